import * as t from 'io-ts';

/**
 * Timing of the Quick Pay saga (reference §7.1): first query about 5 s after an unclear answer,
 * then every 5 s, until a 30 s deadline (at most 45 s, when WeChat auto-revokes); then reverse,
 * never earlier than 15 s after submit, retrying with back-off. Recorded on OrderSubmitted so that
 * replay checks each decision against the policy that was in force.
 */
export const PayPolicyCodec = t.readonly(
  t.type({
    firstPollAfterMs: t.number,
    pollIntervalMs: t.number,
    deadlineMs: t.number,
    minReverseAfterMs: t.number,
    /** Delay before each retry of a reverse that failed or was unclear; its length is the attempt limit. */
    reverseRetryDelaysMs: t.readonlyArray(t.number),
    /** Delay before the query that confirms an accepted reverse. */
    confirmAfterMs: t.number,
  }),
  'PayPolicy',
);
export type PayPolicy = t.TypeOf<typeof PayPolicyCodec>;

export const MAX_DEADLINE_MS = 45_000;
export const MIN_REVERSE_AFTER_MS = 15_000;
/** A reverse is only possible within 7 days of payment; after that, only a refund. */
export const REVERSE_WINDOW_MS = 7 * 24 * 3600 * 1000;

export const defaultPayPolicy: PayPolicy = {
  firstPollAfterMs: 5_000,
  pollIntervalMs: 5_000,
  deadlineMs: 30_000,
  minReverseAfterMs: MIN_REVERSE_AFTER_MS,
  reverseRetryDelaysMs: [5_000, 10_000, 20_000],
  confirmAfterMs: 1_000,
};

/** The API's limits are not negotiable: a policy outside them is refused at configuration time. */
export const payPolicyProblems = (p: PayPolicy): readonly string[] => [
  ...(p.deadlineMs > MAX_DEADLINE_MS ? [`deadline ${p.deadlineMs} ms exceeds ${MAX_DEADLINE_MS} ms`] : []),
  ...(p.minReverseAfterMs < MIN_REVERSE_AFTER_MS
    ? [`reverse after ${p.minReverseAfterMs} ms is earlier than ${MIN_REVERSE_AFTER_MS} ms`]
    : []),
  ...(p.firstPollAfterMs <= 0 || p.pollIntervalMs <= 0 ? ['poll delays must be positive'] : []),
  ...(p.reverseRetryDelaysMs.length === 0 ? ['at least one reverse attempt is needed'] : []),
];
