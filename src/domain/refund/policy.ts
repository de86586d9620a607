import * as t from 'io-ts';

/**
 * Timing of the refund saga (reference §5.5, §7.2). A refund accepted by WeChat is PROCESSING until
 * it settles: poll with back-off, or take the notification, whichever comes first. Unclear submit
 * answers are resolved by querying; retryable rejections are resubmitted with the same out_refund_no.
 * Recorded on RefundRequested so that replay checks decisions against the policy then in force.
 */
export const RefundPolicyCodec = t.readonly(
  t.type({
    /** Delays between polls while PROCESSING; when exhausted, the refund goes to review. */
    pollDelaysMs: t.readonlyArray(t.number),
    /** Delays between queries after an unclear submit answer. */
    unknownQueryDelaysMs: t.readonlyArray(t.number),
    /** Delay before resubmitting after a retryable rejection (NOT_ENOUGH, BIZERR_NEED_RETRY, FREQUENCY_LIMITED, 429). */
    retryAfterMs: t.number,
    /** Minimum gap between two refund submissions on one order (reference §5.5: ≥ 1 minute). */
    minSpacingMs: t.number,
  }),
  'RefundPolicy',
);
export type RefundPolicy = t.TypeOf<typeof RefundPolicyCodec>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const defaultRefundPolicy: RefundPolicy = {
  // 1 min, 5 min, 30 min, then hourly for a day.
  pollDelaysMs: [MINUTE, 5 * MINUTE, 30 * MINUTE, ...Array.from({ length: 24 }, () => HOUR)],
  unknownQueryDelaysMs: [5_000, 30_000, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR],
  retryAfterMs: MINUTE,
  minSpacingMs: MINUTE,
};
