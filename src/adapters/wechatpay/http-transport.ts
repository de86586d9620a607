import { Agent } from 'undici';
import type { Readable } from 'node:stream';
import * as E from 'fp-ts/Either';
import type { Clock } from '../../ports/clock';
import { newNonce, type RequestSigner } from './signing';

/**
 * One pooled keep-alive undici Agent for every call. Each request is signed over the exact
 * request-target and body bytes it sends (reference §2): the path is handed to undici verbatim,
 * never re-normalised through a URL parser.
 */

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, already percent-encoded, without the base URL's own path prefix. */
  readonly pathAndQuery: string;
  readonly body?: string;
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface RawResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
}

export interface StreamedResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Readable;
}

export type TransportError =
  | { readonly _tag: 'Timeout'; readonly detail: string }
  | { readonly _tag: 'ConnectionError'; readonly detail: string };

export interface TransportOptions {
  readonly baseUrl: string;
  readonly userAgent: string;
  readonly signer: RequestSigner;
  readonly clock: Clock;
  readonly connections: number;
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export interface Transport {
  readonly send: (
    request: OutgoingRequest,
    timeoutMs: number,
  ) => Promise<E.Either<TransportError, RawResponse>>;
  /** The body stays a stream; the caller must consume or destroy it. The timeout bounds each silence. */
  readonly open: (
    request: OutgoingRequest,
    timeoutMs: number,
  ) => Promise<E.Either<TransportError, StreamedResponse>>;
  readonly close: () => Promise<void>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export const errorCode = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';

export const toTransportError = (e: unknown): TransportError => {
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  if (TIMEOUT_CODES.has(code)) return { _tag: 'Timeout', detail: message };
  return { _tag: 'ConnectionError', detail: code === '' ? message : `${code}: ${message}` };
};

export const createTransport = (options: TransportOptions): Transport => {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const agent = new Agent({
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connect: { timeout: options.connectTimeoutMs },
  });

  const dispatch = async (request: OutgoingRequest, timeoutMs: number) => {
    const path = `${prefix}${request.pathAndQuery}`;
    const body = request.body ?? '';
    const authorization = options.signer.authorization({
      method: request.method,
      pathAndQuery: path,
      body,
      timestampSeconds: Math.floor(options.clock.now() / 1000),
      nonce: newNonce(),
    });
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': options.userAgent,
      authorization,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.extraHeaders,
    };
    try {
      const res = await agent.request({
        origin,
        path,
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        // undici's own timers (far cheaper than an AbortSignal per request): the wait for the
        // answer's headers, then the longest silence while its body streams in.
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return E.right(res);
    } catch (e) {
      return E.left(toTransportError(e));
    }
  };

  return {
    send: async (request, timeoutMs) => {
      const opened = await dispatch(request, timeoutMs);
      if (E.isLeft(opened)) return opened;
      const res = opened.right;
      try {
        const body = Buffer.from(await res.body.arrayBuffer());
        return E.right({ status: res.statusCode, headers: res.headers, body });
      } catch (e) {
        return E.left(toTransportError(e));
      }
    },
    open: async (request, timeoutMs) => {
      const opened = await dispatch(request, timeoutMs);
      if (E.isLeft(opened)) return opened;
      const res = opened.right;
      return E.right({ status: res.statusCode, headers: res.headers, body: res.body });
    },
    close: () => agent.close(),
  };
};
