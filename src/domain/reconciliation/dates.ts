/**
 * Statements and settlements are per GMT+8 calendar day (reference §5.8, §5.9), whatever the
 * offset a time was written with.
 */
const GMT8_OFFSET_MS = 8 * 3600 * 1000;

/** yyyyMMdd of the GMT+8 day an ISO 8601 time falls on, or undefined for an unparsable time. */
export const gmt8DateOf = (iso: string): string | undefined => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + GMT8_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
};
