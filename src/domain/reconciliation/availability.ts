/**
 * When WeChat can give a day's statement (reference §5.8). A statement covers one GMT+8 calendar
 * day. WeChat generates it the next morning: its guidance for merchant bills is to fetch them after
 * 10:00 GMT+8 the next day, so a day counts as available from then. Its Global page also says only
 * the last 180 days can be downloaded. Both are checked before WeChat is called, so a day that
 * cannot be reconciled is never reported as "everything missing at WeChat".
 */

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const GMT8_OFFSET_MS = 8 * HOUR_MS;

export interface StatementSchedule {
  /** After the GMT+8 midnight that closes the day; 10 h means 10:00 GMT+8 the next day. */
  readonly generatedAfterMs: number;
  /** Oldest day that can be downloaded, in days before today (GMT+8). */
  readonly maxAgeDays: number;
}

export const defaultStatementSchedule: StatementSchedule = {
  generatedAfterMs: 10 * HOUR_MS,
  maxAgeDays: 180,
};

export type StatementAvailability =
  | { readonly _tag: 'Available' }
  /** The GMT+8 day has not ended yet (today, or a future date). */
  | { readonly _tag: 'DayNotClosed'; readonly availableFrom: string }
  /** The day has ended but WeChat generates the file later that morning. */
  | { readonly _tag: 'NotGeneratedYet'; readonly availableFrom: string }
  /** Older than WeChat keeps statements for download. */
  | { readonly _tag: 'TooOld'; readonly oldestDate: string; readonly maxAgeDays: number };

/** Start of a GMT+8 day given as yyyyMMdd, in epoch ms. */
export const gmt8DayStartMs = (yyyymmdd: string): number =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) -
  GMT8_OFFSET_MS;

/** yyyyMMdd of the GMT+8 day holding an instant. */
export const gmt8DateAt = (ms: number): string =>
  new Date(ms + GMT8_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');

/** `2026-12-07 10:00 GMT+8`: how an operator in Hong Kong reads WeChat's own times. */
export const gmt8Label = (ms: number): string =>
  `${new Date(ms + GMT8_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} GMT+8`;

/**
 * Whether `date`'s statement can be downloaded at `nowMs`. Pure: the caller passes the time.
 * `availableFrom` is ISO 8601 (UTC) so that it can be compared and shown in any zone.
 */
export const statementAvailability = (
  date: string,
  nowMs: number,
  schedule: StatementSchedule = defaultStatementSchedule,
): StatementAvailability => {
  const start = gmt8DayStartMs(date);
  const end = start + DAY_MS;
  const from = end + schedule.generatedAfterMs;
  if (nowMs < end) return { _tag: 'DayNotClosed', availableFrom: new Date(from).toISOString() };
  if (nowMs < from) return { _tag: 'NotGeneratedYet', availableFrom: new Date(from).toISOString() };
  const today = gmt8DayStartMs(gmt8DateAt(nowMs));
  const oldest = today - schedule.maxAgeDays * DAY_MS;
  if (start < oldest)
    return { _tag: 'TooOld', oldestDate: gmt8DateAt(oldest), maxAgeDays: schedule.maxAgeDays };
  return { _tag: 'Available' };
};

/** One sentence for people: which rule refused the day, and from when it can be tried. */
export const describeAvailability = (date: string, a: StatementAvailability): string => {
  switch (a._tag) {
    case 'Available':
      return `the statement for ${date} can be downloaded`;
    case 'DayNotClosed':
      return `${date} has not closed yet in GMT+8; its statement is available from ${gmt8Label(Date.parse(a.availableFrom))}`;
    case 'NotGeneratedYet':
      return `${date} has closed, but WeChat generates its statement the next morning; available from ${gmt8Label(Date.parse(a.availableFrom))}`;
    case 'TooOld':
      return `${date} is older than the ${a.maxAgeDays} days WeChat keeps statements for; the oldest day is ${a.oldestDate}`;
  }
};
