import { verify as rsaVerify, type KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { Clock } from '../../ports/clock';
import type { NotificationError } from '../../ports/notification-verifier';

/**
 * Response and notification verification, reference §3: the `Wechatpay-Timestamp` must be less
 * than 300 s from the injected clock (the Go and Java SDKs reject at `>= 300`), the signature is
 * SHA256withRSA over `timestamp\nnonce\nbody\n` using the exact raw body, checked with the platform
 * key chosen by `Wechatpay-Serial` (a certificate serial or a `PUB_KEY_ID_…`).
 * `WECHATPAY/SIGNTEST/` probes are refused before any Base64 decoding is attempted.
 */

export type VerificationError = Extract<
  NotificationError,
  { _tag: 'MissingHeader' | 'StaleTimestamp' | 'UnknownSerial' | 'ProbeSignature' | 'BadSignature' }
>;

export const MAX_CLOCK_SKEW_SECONDS = 300;
export const PROBE_SIGNATURE_PREFIX = 'WECHATPAY/SIGNTEST/';
const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';

export const WECHATPAY_HEADERS = {
  timestamp: 'wechatpay-timestamp',
  nonce: 'wechatpay-nonce',
  signature: 'wechatpay-signature',
  serial: 'wechatpay-serial',
  signatureType: 'wechatpay-signature-type',
} as const;

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Case-insensitive; a repeated header is taken as its first value. */
export const header = (headers: HeaderBag, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  // undici hands headers over lower-cased: the direct lookup is the common case.
  const direct = headers[wanted];
  if (direct !== undefined) return typeof direct === 'string' ? direct : direct[0];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    return typeof v === 'string' ? v : v[0];
  }
  return undefined;
};

export const verificationMessage = (timestamp: string, nonce: string, body: string | Buffer): Buffer => {
  // One allocation for the whole message: this runs on every 2xx answer.
  const head = `${timestamp}\n${nonce}\n`;
  const headLength = Buffer.byteLength(head, 'utf8');
  const bodyLength = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  const message = Buffer.allocUnsafe(headLength + bodyLength + 1);
  message.write(head, 0, 'utf8');
  if (typeof body === 'string') message.write(body, headLength, 'utf8');
  else body.copy(message, headLength);
  message[headLength + bodyLength] = 0x0a;
  return message;
};

export interface SignedHeaders {
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
  readonly serial: string;
}

/** Presence, probe and timestamp rules: everything that needs no key. */
export const checkHeaders = (
  headers: HeaderBag,
  clock: Clock,
): E.Either<VerificationError, SignedHeaders> => {
  const timestamp = header(headers, WECHATPAY_HEADERS.timestamp);
  const nonce = header(headers, WECHATPAY_HEADERS.nonce);
  const signature = header(headers, WECHATPAY_HEADERS.signature);
  const serial = header(headers, WECHATPAY_HEADERS.serial);
  if (timestamp === undefined) return E.left({ _tag: 'MissingHeader', header: 'Wechatpay-Timestamp' });
  if (nonce === undefined) return E.left({ _tag: 'MissingHeader', header: 'Wechatpay-Nonce' });
  if (signature === undefined) return E.left({ _tag: 'MissingHeader', header: 'Wechatpay-Signature' });
  if (serial === undefined) return E.left({ _tag: 'MissingHeader', header: 'Wechatpay-Serial' });
  if (signature.startsWith(PROBE_SIGNATURE_PREFIX)) return E.left({ _tag: 'ProbeSignature' });
  // The header is UNCONFIRMED on Global (§3): absent is fine, another scheme is not ours to trust.
  const type = header(headers, WECHATPAY_HEADERS.signatureType);
  if (type !== undefined && type !== SIGNATURE_TYPE) return E.left({ _tag: 'BadSignature' });
  if (!/^[0-9]{1,12}$/.test(timestamp)) return E.left({ _tag: 'BadSignature' });
  const skewSeconds = Math.abs(Math.floor(clock.now() / 1000) - Number(timestamp));
  if (skewSeconds >= MAX_CLOCK_SKEW_SECONDS)
    return E.left({ _tag: 'StaleTimestamp', timestamp, skewSeconds });
  return E.right({ timestamp, nonce, signature, serial });
};

/** Over the exact bytes received: a body is never decoded and re-encoded before checking (§3). */
export const signatureMatches = (key: KeyObject, signed: SignedHeaders, body: string | Buffer): boolean => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signed.signature)) return false;
  const message = verificationMessage(signed.timestamp, signed.nonce, body);
  try {
    return rsaVerify('sha256', message, key, Buffer.from(signed.signature, 'base64'));
  } catch {
    // A signature of the wrong length for the key makes some OpenSSL builds throw rather than return false.
    return false;
  }
};

/**
 * Looks a platform key up by serial; the store refreshes once (single-flight) on a miss. A key
 * already held may be answered synchronously, sparing every response a promise and a microtask.
 */
export interface PlatformKeyLookup {
  readonly keyFor: (serial: string) => KeyObject | undefined | Promise<KeyObject | undefined>;
}

export const verifySigned = async (
  headers: HeaderBag,
  body: string | Buffer,
  clock: Clock,
  keys: PlatformKeyLookup,
): Promise<E.Either<VerificationError, SignedHeaders>> => {
  const checked = checkHeaders(headers, clock);
  if (E.isLeft(checked)) return checked;
  const found = keys.keyFor(checked.right.serial);
  const key = found instanceof Promise ? await found : found;
  if (key === undefined) return E.left({ _tag: 'UnknownSerial', serial: checked.right.serial });
  return signatureMatches(key, checked.right, body) ? checked : E.left({ _tag: 'BadSignature' });
};
