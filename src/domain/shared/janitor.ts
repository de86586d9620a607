/**
 * The janitor's schedule (after Kill Bill's janitor and Hyperswitch's PSync): an order or refund in
 * review because WeChat's answer stayed unclear is queried again and again, further apart each
 * time, until a verified answer settles it. Orders are only worth querying for 7 days (the reverse
 * window; WeChat has decided long before); refunds can take days at the bank, so they go on daily.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const JANITOR_FIRST_DELAYS_MS: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE];
/** Hourly queries after the first three, for 7 days in all. */
export const JANITOR_HOURLY_SPAN_MS = 7 * DAY;
/** Refunds still unclear after that are queried daily, for at most a year (the refund window). */
export const JANITOR_REFUND_DAILY_SPAN_MS = 365 * DAY;

const hourlyCount = Math.floor(
  (JANITOR_HOURLY_SPAN_MS - JANITOR_FIRST_DELAYS_MS.reduce((a, b) => a + b, 0)) / HOUR,
);

/**
 * Delay before the janitor's attempt number `attempt` (0-based) on one review item, or undefined
 * when the schedule is exhausted and only an operator can move the item on.
 */
export const janitorDelayMs = (attempt: number, kind: 'order' | 'refund'): number | undefined => {
  if (attempt < 0 || !Number.isInteger(attempt)) return undefined;
  const first = JANITOR_FIRST_DELAYS_MS[attempt];
  if (first !== undefined) return first;
  const hourly = attempt - JANITOR_FIRST_DELAYS_MS.length;
  if (hourly < hourlyCount) return HOUR;
  if (kind === 'order') return undefined;
  const daily = hourly - hourlyCount;
  return daily < Math.floor(JANITOR_REFUND_DAILY_SPAN_MS / DAY) ? DAY : undefined;
};
