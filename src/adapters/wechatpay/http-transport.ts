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
  /** Aborts when the operation's timeout elapses, also while the body is being read. */
  readonly signal: AbortSignal;
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
}

export interface Transport {
  readonly send: (
    request: OutgoingRequest,
    timeoutMs: number,
  ) => Promise<E.Either<TransportError, RawResponse>>;
  /** The body stays a stream; the caller must consume or destroy it. The timeout covers the whole body. */
  readonly open: (
    request: OutgoingRequest,
    timeoutMs: number,
  ) => Promise<E.Either<TransportError, StreamedResponse>>;
  readonly close: () => Promise<void>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export const toTransportError = (e: unknown, signal: AbortSignal): TransportError => {
  const code =
    typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const message = e instanceof Error ? e.message : String(e);
  if (signal.aborted || TIMEOUT_CODES.has(code)) return { _tag: 'Timeout', detail: message };
  return { _tag: 'ConnectionError', detail: code === '' ? message : `${code}: ${message}` };
};

export const createTransport = (options: TransportOptions): Transport => {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const agent = new Agent({ connections: options.connections, keepAliveTimeout: options.keepAliveTimeoutMs });

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
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await agent.request({
        origin,
        path,
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
      });
      return E.right({ res, signal });
    } catch (e) {
      return E.left(toTransportError(e, signal));
    }
  };

  return {
    send: async (request, timeoutMs) => {
      const opened = await dispatch(request, timeoutMs);
      if (E.isLeft(opened)) return opened;
      const { res, signal } = opened.right;
      try {
        const body = Buffer.from(await res.body.arrayBuffer());
        return E.right({ status: res.statusCode, headers: res.headers, body });
      } catch (e) {
        return E.left(toTransportError(e, signal));
      }
    },
    open: async (request, timeoutMs) => {
      const opened = await dispatch(request, timeoutMs);
      if (E.isLeft(opened)) return opened;
      const { res, signal } = opened.right;
      return E.right({ status: res.statusCode, headers: res.headers, body: res.body, signal });
    },
    close: () => agent.close(),
  };
};
