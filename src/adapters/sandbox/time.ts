/**
 * Two clocks. Protocol time (`wallNow`) is the injected clock as given: it stamps signatures and is
 * what the ±300 s skew check compares against, so an unscaled client keeps working against a
 * scaled sandbox. Business time (`now`) runs `timeScale` times faster from the start, plus any
 * advance requested through the control API: it drives auto-revoke, refund settlement,
 * notification retries, and every time written into orders, refunds, the ledger and statements.
 */

export interface SandboxTime {
  readonly wallNow: () => number;
  readonly now: () => number;
  readonly advance: (ms: number) => void;
  readonly timeScale: number;
}

export const createSandboxTime = (clock: { now(): number } | undefined, timeScale = 1): SandboxTime => {
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new Error(`timeScale must be > 0, got ${timeScale}`);
  const wallNow = (): number => (clock === undefined ? Date.now() : clock.now());
  const origin = wallNow();
  let offset = 0;
  return {
    wallNow,
    now: () => Math.floor(origin + (wallNow() - origin) * timeScale + offset),
    advance: (ms) => {
      if (!(ms >= 0)) throw new Error(`cannot move time backwards (${ms} ms)`);
      offset += ms;
    },
    timeScale,
  };
};

// Whole seconds only, and every answer prints one: remember the last second's text.
let lastSecond = { second: Number.NaN, text: '' };

export const rfc3339 = (ms: number): string => {
  const second = Math.floor(ms / 1000);
  if (second === lastSecond.second) return lastSecond.text;
  // WeChat prints times in GMT+8 with an explicit offset (reference §5.1 success_time).
  const shifted = new Date(ms + 8 * 3600_000).toISOString().slice(0, 19);
  const text = `${shifted}+08:00`;
  lastSecond = { second, text };
  return text;
};

/** yyyyMMdd of the GMT+8 calendar day: statement and settlement dates (§5.8, §5.9). */
const GMT8_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;
// Every new transaction and refund id carries the date: remember the current day's text.
let lastDay = { start: 0, end: 0, text: '' };

export const gmt8Date = (ms: number): string => {
  if (ms >= lastDay.start && ms < lastDay.end) return lastDay.text;
  const start = Math.floor((ms + GMT8_MS) / DAY_MS) * DAY_MS - GMT8_MS;
  const text = new Date(ms + GMT8_MS).toISOString().slice(0, 10).replace(/-/g, '');
  lastDay = { start, end: start + DAY_MS, text };
  return text;
};

/** `yyyy-MM-dd HH:mm:ss` in GMT+8, as statements print it. */
export const gmt8DateTime = (ms: number): string =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** Start (inclusive) of a GMT+8 day given as yyyyMMdd, in epoch ms. */
export const gmt8DayStart = (yyyymmdd: string): number =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) -
  8 * 3600_000;
