import { createHash } from 'node:crypto';

/**
 * A name-based UUID (RFC 4122 version 5 layout over SHA-1) from the given parts. Event ids derived
 * from the command that caused them make a retried command append nothing twice: the store sees
 * the same ids at the same revisions and treats the append as already done.
 */
export const deterministicUuid = (...parts: readonly string[]): string => {
  const h = createHash('sha1').update(parts.join('\u001f')).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** A hex SHA-256 fingerprint of a canonical JSON value (keys sorted), for request idempotency checks. */
export const fingerprint = (value: unknown): string =>
  createHash('sha256').update(canonicalJson(value)).digest('hex');

export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
};
