import { Agent, type Dispatcher } from 'undici';
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

/** Our own code: a call that outlived its whole deadline (see CollectingHandler). */
const DEADLINE_CODE = 'WPG_CALL_DEADLINE';
const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  DEADLINE_CODE,
]);

export const errorCode = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';

export const toTransportError = (e: unknown): TransportError => {
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  if (TIMEOUT_CODES.has(code)) return { _tag: 'Timeout', detail: message };
  return { _tag: 'ConnectionError', detail: code === '' ? message : `${code}: ${message}` };
};

/**
 * Collects one (small) JSON answer. A class, so each call allocates one object rather than a
 * closure per callback.
 */
class CollectingHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: ResponseHeaders = {};
  private readonly chunks: Buffer[] = [];
  private controller: { abort: (reason: Error) => void } | undefined;
  private isExpired = false;
  private readonly deadline: NodeJS.Timeout;

  /**
   * `deadlineMs` bounds the whole call, connecting and signing included, not only each wait as
   * undici's timeouts do: a saga step may start a call only while its lease outlasts the call, so
   * the call must end (or be abandoned unsent) by then.
   */
  constructor(
    private readonly resolve: (result: E.Either<TransportError, RawResponse>) => void,
    deadlineMs: number,
  ) {
    this.deadline = setTimeout(() => this.expire(), Math.max(0, deadlineMs));
    this.deadline.unref();
  }

  private expire(): void {
    this.isExpired = true;
    const error = Object.assign(new Error('the call outlived its deadline'), { code: DEADLINE_CODE });
    if (this.controller) this.controller.abort(error);
    else this.resolve(E.left(toTransportError(error)));
  }

  onRequestStart(controller: { abort: (reason: Error) => void }): void {
    this.controller = controller;
    // Expired while connecting: never send it.
    if (this.isExpired)
      controller.abort(Object.assign(new Error('the call outlived its deadline'), { code: DEADLINE_CODE }));
  }

  onResponseStart(_controller: unknown, statusCode: number, headers: ResponseHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: unknown, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    clearTimeout(this.deadline);
    const { chunks } = this;
    this.resolve(
      E.right({
        status: this.status,
        headers: this.headers,
        body: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks),
      }),
    );
  }

  onResponseError(_controller: unknown, error: Error): void {
    clearTimeout(this.deadline);
    this.resolve(E.left(toTransportError(error)));
  }
}

export const createTransport = (options: TransportOptions): Transport => {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const agent = new Agent({
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connect: { timeout: options.connectTimeoutMs },
  });

  const prepare = async (
    request: OutgoingRequest,
    timeoutMs: number,
  ): Promise<Dispatcher.DispatchOptions> => {
    const path = `${prefix}${request.pathAndQuery}`;
    const authorization = await options.signer.authorization({
      method: request.method,
      pathAndQuery: path,
      body: request.body ?? '',
      timestampSeconds: Math.floor(options.clock.now() / 1000),
      nonce: newNonce(),
    });
    // Built field by field rather than from spread conditional objects: this runs for every request.
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': options.userAgent,
      authorization,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.extraHeaders !== undefined) Object.assign(headers, request.extraHeaders);
    const dispatch: Dispatcher.DispatchOptions = {
      origin,
      path,
      method: request.method,
      headers,
      // undici's own timers (far cheaper than an AbortSignal per request): the wait for the
      // answer's headers, then the longest silence while its body arrives.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
    if (request.body !== undefined) dispatch.body = request.body;
    return dispatch;
  };

  return {
    // A plain dispatch handler collects the (small) JSON answer without a stream per response.
    send: async (request, timeoutMs) => {
      const startedAt = Date.now();
      const dispatch = await prepare(request, timeoutMs);
      return new Promise((resolve) => {
        const handler = new CollectingHandler(resolve, timeoutMs - (Date.now() - startedAt));
        try {
          agent.dispatch(dispatch, handler);
        } catch (e) {
          // A closed agent refuses synchronously.
          resolve(E.left(toTransportError(e)));
        }
      });
    },
    open: async (request, timeoutMs) => {
      try {
        const res = await agent.request(await prepare(request, timeoutMs));
        return E.right({ status: res.statusCode, headers: res.headers, body: res.body });
      } catch (e) {
        return E.left(toTransportError(e));
      }
    },
    close: () => agent.close(),
  };
};
