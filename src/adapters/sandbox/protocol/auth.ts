import { verify, type KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';

/**
 * Checks a request's `Authorization` the way apihk does (reference §2): scheme
 * WECHATPAY2-SHA256-RSA2048, parameters parsed by key in any order, signature over
 * `METHOD\nrequest-target\ntimestamp\nnonce\nbody\n` rebuilt from the raw request-target and body bytes.
 */

export interface AuthorizationParams {
  readonly mchid: string;
  readonly nonce_str: string;
  readonly timestamp: string;
  readonly serial_no: string;
  readonly signature: string;
}

export interface SignedRequest {
  readonly method: string;
  /** Exactly as received on the request line: path plus `?query`, still percent-encoded. */
  readonly rawTarget: string;
  readonly body: Buffer;
  readonly authorization: string | undefined;
}

export interface MerchantIdentity {
  readonly mchid: string;
  readonly serial: string;
  readonly publicKey: KeyObject;
}

/** Why a request failed authentication; `detail` goes to the 401 body (never a secret). */
export interface AuthFailure {
  readonly message: string;
  readonly issue: string;
}

const SCHEME = 'WECHATPAY2-SHA256-RSA2048';
const MAX_SKEW_SECONDS = 300;
const REQUIRED = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;

export const parseAuthorization = (
  header: string | undefined,
): E.Either<AuthFailure, AuthorizationParams> => {
  if (header === undefined || header.trim() === '') {
    return E.left({ message: 'Authorization header is missing', issue: 'missing authorization' });
  }
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme !== SCHEME) {
    return E.left({
      message: `unsupported authorization type ${scheme.slice(0, 40)}`,
      issue: 'unsupported type',
    });
  }
  const params = new Map<string, string>();
  const pair = /\s*([a-z_]+)="([^"]*)"\s*(,|$)/gy;
  const rest = header.slice(space + 1);
  let consumed = 0;
  for (let match = pair.exec(rest); match !== null && match[0] !== ''; match = pair.exec(rest)) {
    const [, key = '', value = ''] = match;
    if (params.has(key))
      return E.left({ message: `duplicate parameter ${key}`, issue: 'malformed authorization' });
    params.set(key, value);
    consumed = pair.lastIndex;
  }
  if (consumed !== rest.length) {
    return E.left({ message: 'Authorization parameters are malformed', issue: 'malformed authorization' });
  }
  const missing = REQUIRED.find((key) => (params.get(key) ?? '') === '');
  if (missing !== undefined) {
    return E.left({ message: `Authorization lacks ${missing}`, issue: 'malformed authorization' });
  }
  return E.right({
    mchid: params.get('mchid') ?? '',
    nonce_str: params.get('nonce_str') ?? '',
    timestamp: params.get('timestamp') ?? '',
    serial_no: params.get('serial_no') ?? '',
    signature: params.get('signature') ?? '',
  });
};

export const requestSigningString = (request: SignedRequest, params: AuthorizationParams): Buffer => {
  const head = `${request.method.toUpperCase()}\n${request.rawTarget}\n${params.timestamp}\n${params.nonce_str}\n`;
  const headLength = Buffer.byteLength(head);
  const message = Buffer.allocUnsafe(headLength + request.body.length + 1);
  message.write(head, 0, 'utf8');
  request.body.copy(message, headLength);
  message[message.length - 1] = 0x0a;
  return message;
};

const TIMESTAMP = /^[0-9]{1,12}$/;

export const authenticate = (
  request: SignedRequest,
  merchant: MerchantIdentity,
  nowMs: number,
): E.Either<AuthFailure, AuthorizationParams> => {
  const parsed = parseAuthorization(request.authorization);
  if (E.isLeft(parsed)) return parsed;
  const params = parsed.right;
  if (params.mchid !== merchant.mchid) {
    return E.left({ message: `unknown mchid ${params.mchid.slice(0, 32)}`, issue: 'mchid not found' });
  }
  if (params.serial_no.toUpperCase() !== merchant.serial) {
    return E.left({ message: 'serial_no is not a certificate of this merchant', issue: 'wrong serial' });
  }
  if (!TIMESTAMP.test(params.timestamp)) {
    return E.left({ message: 'timestamp is not Unix seconds', issue: 'malformed authorization' });
  }
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(params.timestamp));
  if (skew > MAX_SKEW_SECONDS) {
    return E.left({
      message: `timestamp differs from server time by ${skew} s (> 300 s)`,
      issue: 'timestamp expired',
    });
  }
  const signature = Buffer.from(params.signature, 'base64');
  const isValid = verify('sha256', requestSigningString(request, params), merchant.publicKey, signature);
  return isValid ? parsed : E.left({ message: 'signature does not verify', issue: 'sign not match' });
};
