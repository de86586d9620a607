/**
 * Secrets are redacted by key name at any depth, and recognisable secret values are masked inside
 * any string, because the port promises redaction "whatever the caller passes" (src/ports/logger.ts).
 * pino's own `redact` needs every path spelled out, which cannot cover a key nested anywhere.
 */

export const REDACTED = '[REDACTED]';

/** Compared after lower-casing and removing `_` and `-`: `auth_code`, `authCode`, `Auth-Code` alike. */
const SECRET_KEY_ENDINGS = [
  'authcode',
  'authorization',
  'privatekey',
  'apiv3key',
  'apikey',
  'token',
  'password',
  'passphrase',
  'secret',
  'cookie',
];

export const isSecretKey = (key: string): boolean => {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEY_ENDINGS.some((ending) => k.endsWith(ending));
};

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
// An 18-digit run standing alone is what a payment code looks like (reference §7.1).
const AUTH_CODE = /(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{4})(?![0-9])/g;

export const redactText = (text: string): string =>
  text
    .replace(PEM_PRIVATE_KEY, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(AUTH_CODE, '$1********$2');

const MAX_DEPTH = 8;

const redactObject = (value: object, depth: number, path: WeakSet<object>): unknown => {
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      ...(value.stack === undefined ? {} : { stack: redactText(value.stack) }),
    };
  }
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, path));
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const name = String(key);
    out[name] = isSecretKey(name) ? REDACTED : redactValue(v, depth + 1, path);
  }
  return out;
};

/** `path` holds the objects above this one, so only a true cycle reads as circular. */
export const redactValue = (value: unknown, depth = 0, path: WeakSet<object> = new WeakSet()): unknown => {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (path.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  path.add(value);
  try {
    return redactObject(value, depth, path);
  } finally {
    path.delete(value);
  }
};

export const redactFields = (fields: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  redactValue(fields) as Record<string, unknown>;
