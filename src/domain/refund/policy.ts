import * as t from 'io-ts';

/**
 * Timing of the refund saga. A refund accepted by WeChat is PROCESSING until it settles: poll with
 * back-off, or take the notification, whichever comes first. Unclear submit answers are resolved by
 * querying; refusals "for now" (NOT_ENOUGH, FREQUENCY_LIMITED, 429) are resubmitted with the same
 * out_refund_no, further apart each time. Recorded on RefundRequested so that replay checks decisions
 * against the policy then in force.
 */
export const RefundPolicyCodec = t.readonly(
  t.intersection([
    t.type({
      /** Delays between polls while PROCESSING; when exhausted, the refund goes to review (StuckProcessing). */
      pollDelaysMs: t.readonlyArray(t.number),
      /** Delays between queries after an unclear submit answer. */
      unknownQueryDelaysMs: t.readonlyArray(t.number),
      /** Delay before the first resubmission after a refusal for now; doubled after each further one. */
      retryAfterMs: t.number,
      /** Minimum gap between two refund submissions on one order, measured on our clock from our dispatch. */
      minSpacingMs: t.number,
    }),
    t.partial({
      /** Longest delay between resubmissions. Absent (policies recorded before back-off): retryAfterMs. */
      retryBackoffCapMs: t.number,
      /** Refusals for now after which the refund goes to review (RetriesExhausted). Absent: no bound. */
      maxRetryableRefusals: t.number,
    }),
  ]),
  'RefundPolicy',
);
export type RefundPolicy = t.TypeOf<typeof RefundPolicyCodec>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Delay before resubmitting after the `refusals`-th refusal for now (1-based): retryAfterMs, doubled
 * each time, capped. Old policies without a cap keep their constant delay.
 */
export const retryDelayMs = (p: RefundPolicy, refusals: number): number => {
  const cap = p.retryBackoffCapMs ?? p.retryAfterMs;
  const doubled = p.retryAfterMs * 2 ** Math.max(0, Math.min(refusals - 1, 30));
  return Math.min(doubled, cap);
};

export const defaultRefundPolicy: RefundPolicy = {
  // Card refunds take days at the bank: 1, 5, 30 min, hourly for the first day, then every 6 h up to
  // 7 days (about 7 days 36 min in all) before StuckProcessing; the janitor then queries daily.
  pollDelaysMs: [
    MINUTE,
    5 * MINUTE,
    30 * MINUTE,
    ...Array.from({ length: 24 }, () => HOUR),
    ...Array.from({ length: 24 }, () => 6 * HOUR),
  ],
  unknownQueryDelaysMs: [5_000, 30_000, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR],
  // 1, 2, 4 … 32 min, then hourly: the 30th refusal comes about a day after the first.
  retryAfterMs: MINUTE,
  retryBackoffCapMs: HOUR,
  maxRetryableRefusals: 30,
  // WeChat wants at least a minute between refunds of one order and measures it on its own clock:
  // 10 s of margin absorbs clock skew and the time a request spends in flight.
  minSpacingMs: 70_000,
};
