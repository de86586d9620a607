import * as E from 'fp-ts/Either';
import type { GatewayOutcome, UnknownReason } from '../../ports/wechat-pay-gateway';
import { ErrorBodyCodec, type ErrorBody } from './codecs/error';
import { decodeWith, parseJson } from './codecs/decode';
import type { RawResponse, ResponseHeaders, TransportError } from './http-transport';
import { header, type VerificationError } from './verification';

/**
 * Outcome classification, as `src/ports/wechat-pay-gateway.ts` documents it (reference §1, §5.1, §12.1, §12.9):
 * - 2xx is trusted only once its signature verifies; otherwise Unknown, never success nor failure.
 * - USERPAYING in any of its three shapes (HTTP 202, `code`, `trade_state`) is InProgress.
 * - 404 is NotFound whatever the code's spelling — but only with a WeChat error body: a bare 404
 *   from a proxy or a wrong base URL says nothing about the order, so it is Unknown.
 * - 5xx, 429, transient codes (SYSTEM_ERROR, SYSTEMERROR, BANKERROR, …) and anything unparsable are Unknown.
 * - Any other 4xx with a WeChat error body is Rejected, with WeChat's code and message.
 */

export const DEFAULT_TRANSIENT_CODES: readonly string[] = [
  'SYSTEM_ERROR',
  'SYSTEMERROR',
  'BANKERROR',
  'BIZERR_NEED_RETRY',
];

export type Unknown = Extract<GatewayOutcome<never>, { _tag: 'Unknown' }>;

const withRequestId = (requestId: string | undefined) => (requestId === undefined ? {} : { requestId });

export const unknown = (reason: UnknownReason, detail: string, requestId?: string): Unknown => ({
  _tag: 'Unknown',
  reason,
  detail,
  ...withRequestId(requestId),
});

/** A request refused before sending: it breaks a documented limit, so WeChat would refuse it too. */
export const invalidArgument = (message: string): GatewayOutcome<never> => ({
  _tag: 'Rejected',
  httpStatus: 0,
  code: 'INVALID_ARGUMENT',
  message,
});

export const fromTransportError = (e: TransportError): Unknown =>
  unknown(e._tag === 'Timeout' ? 'Timeout' : 'ConnectionError', e.detail);

export const requestIdOf = (headers: ResponseHeaders): string | undefined => header(headers, 'request-id');

export const verificationDetail = (e: VerificationError): string => {
  switch (e._tag) {
    case 'MissingHeader':
      return `response not signed: missing ${e.header}`;
    case 'StaleTimestamp':
      return `response timestamp ${e.timestamp} is ${e.skewSeconds} s from our clock`;
    case 'UnknownSerial':
      return `response signed by unknown platform serial ${e.serial}`;
    case 'ProbeSignature':
      return 'response carries a WECHATPAY/SIGNTEST/ probe signature';
    case 'BadSignature':
      return 'response signature does not verify';
  }
};

export interface ClassifyOptions {
  readonly transientCodes: ReadonlySet<string>;
  /** pay and query-order answers carry `trade_state`; USERPAYING there means InProgress. */
  readonly tradeStateMeansInProgress: boolean;
}

/** Everything but a 2xx: decided from the status and WeChat's error body; no signature is expected (§3). */
export const classifyFailure = (res: RawResponse, options: ClassifyOptions): GatewayOutcome<never> => {
  const requestId = requestIdOf(res.headers);
  const parsed = E.chain((json: unknown) => decodeWith(ErrorBodyCodec, json))(
    parseJson(res.body.toString('utf8')),
  );
  const body: ErrorBody | undefined = E.isRight(parsed) ? parsed.right : undefined;
  const described =
    body === undefined ? `HTTP ${res.status}` : `HTTP ${res.status} ${body.code}: ${body.message ?? ''}`;
  if (body !== undefined && options.transientCodes.has(body.code))
    return unknown('SystemError', described, requestId);
  if (body?.code === 'USERPAYING')
    return { _tag: 'InProgress', tradeState: 'USERPAYING', ...withRequestId(requestId) };
  if (res.status === 429) return unknown('RateLimited', described, requestId);
  if (res.status >= 500) return unknown('ServerError', described, requestId);
  if (res.status < 400 || body === undefined) return unknown('MalformedResponse', described, requestId);
  if (res.status === 404)
    return { _tag: 'NotFound', code: body.code, message: body.message ?? '', ...withRequestId(requestId) };
  return {
    _tag: 'Rejected',
    httpStatus: res.status,
    code: body.code,
    message: body.message ?? '',
    ...withRequestId(requestId),
  };
};

const isUserPaying = (json: unknown, options: ClassifyOptions): boolean => {
  if (typeof json !== 'object' || json === null) return false;
  const o = json as { code?: unknown; trade_state?: unknown };
  return o.code === 'USERPAYING' || (options.tradeStateMeansInProgress && o.trade_state === 'USERPAYING');
};

/**
 * A 2xx whose signature has already been checked by the caller (`verified`).
 * `decode` receives the parsed JSON, or `undefined` for an empty body (204).
 */
export const classifyVerified = <A>(
  res: RawResponse,
  verified: E.Either<VerificationError, unknown>,
  decode: (json: unknown) => E.Either<string, A>,
  options: ClassifyOptions,
): GatewayOutcome<A> => {
  const requestId = requestIdOf(res.headers);
  if (E.isLeft(verified)) return unknown('UnverifiedResponse', verificationDetail(verified.left), requestId);
  if (res.status === 202)
    return { _tag: 'InProgress', tradeState: 'USERPAYING', ...withRequestId(requestId) };
  const text = res.body.toString('utf8');
  const json = text.trim() === '' ? E.right<string, unknown>(undefined) : parseJson(text);
  if (E.isLeft(json)) return unknown('MalformedResponse', json.left, requestId);
  if (isUserPaying(json.right, options))
    return { _tag: 'InProgress', tradeState: 'USERPAYING', ...withRequestId(requestId) };
  const value = decode(json.right);
  if (E.isLeft(value)) return unknown('MalformedResponse', value.left, requestId);
  return { _tag: 'Success', value: value.right, ...withRequestId(requestId) };
};

export const isSuccessStatus = (status: number): boolean => status >= 200 && status < 300;
