import * as E from 'fp-ts/Either';
import type { ApiError, PaymentApi } from '../../ports/payment-api';
import type { Logger } from '../../ports/logger';

/**
 * WeChat Pay's notification webhook without a web framework: raw body and headers in, status,
 * headers and body out. The fastify route, the fastify plugin and the express-style middleware are
 * all this one function behind a different front. The signature covers the body exactly as sent
 * (reference §3), so the body is taken as raw bytes, never parsed and re-serialised. The ack
 * follows durable recording (reference §7.3), because a 2xx stops WeChat's retries.
 */

/** The path WeChat is given as `notify_url` when the service runs its own server. */
export const WEBHOOK_PATH = '/notifications/wechatpay';

/** WeChat expects an answer within 5 s (reference §7.3); later than that it retries anyway. */
export const DEFAULT_NOTIFICATION_DEADLINE_MS = 4_500;

/** Notification bodies are a few KB; anything far larger is refused before it reaches the core. */
export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The webhook answers in WeChat's own shape (reference §7.3), never problem+json. A verification
 * failure is 401/400 so WeChat retries and nothing changes; a failure to record is 500 so it retries.
 */
export interface WebhookAck {
  readonly status: number;
  readonly body: { readonly code: 'SUCCESS' | 'FAIL'; readonly message: string };
}

export const WEBHOOK_SUCCESS: WebhookAck = { status: 200, body: { code: 'SUCCESS', message: '成功' } };

export const webhookFailure = (error: ApiError): WebhookAck => {
  if (error._tag !== 'NotificationRejected')
    return { status: 500, body: { code: 'FAIL', message: 'temporarily unable to record the notification' } };
  switch (error.error._tag) {
    case 'StaleTimestamp':
    case 'UnknownSerial':
    case 'ProbeSignature':
    case 'BadSignature':
      return { status: 401, body: { code: 'FAIL', message: 'signature verification failed' } };
    case 'MissingHeader':
      return { status: 400, body: { code: 'FAIL', message: 'missing signature headers' } };
    case 'DecryptFailed':
    case 'BadJson':
    case 'UnknownEventType':
      return { status: 400, body: { code: 'FAIL', message: 'malformed notification' } };
  }
};

/** A request the server could not even read (too large, broken stream), by HTTP status. */
export const webhookFrameworkFailure = (statusCode: number | undefined): WebhookAck =>
  statusCode !== undefined && statusCode >= 400 && statusCode < 500
    ? { status: statusCode, body: { code: 'FAIL', message: 'malformed notification' } }
    : { status: 500, body: { code: 'FAIL', message: 'internal error' } };

/** Header names in any case; a repeated header may come as an array (node:http does that). */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookRequest {
  /** The body exactly as received: a Buffer (or any Uint8Array) or the string decoded as UTF-8. */
  readonly body: string | Uint8Array;
  readonly headers: WebhookHeaders;
  /** Ties this request's log lines to the server's own (e.g. its request id). */
  readonly correlationId?: string;
}

export interface WebhookResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, to be sent as is. */
  readonly body: string;
}

export interface WebhookHandlerOptions {
  /** How long to wait for the notification to be recorded before answering FAIL (default 4500 ms). */
  readonly deadlineMs?: number;
  /** Larger bodies are answered 413 FAIL without reaching the core (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** Silent when left out. */
  readonly logger?: Logger;
}

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

const LATE: unique symbol = Symbol('late');

/**
 * Answers FAIL when recording takes too long, rather than letting WeChat time out. The recording
 * may still complete; the retry it causes is a duplicate, which changes nothing twice (§7.3).
 */
const withinDeadline = <A>(work: Promise<A>, ms: number): Promise<A | typeof LATE> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
    // Node's timers can be unref'd so a pending deadline never holds a process open.
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
};

const flatten = (headers: WebhookHeaders): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = value === undefined || typeof value === 'string' ? value : value.join(', ');
  return out;
};

const byteLength = (body: string | Uint8Array): number =>
  typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;

const decode = (body: string | Uint8Array): string =>
  typeof body === 'string'
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');

/** The answer for an ack, ready to send. */
export const webhookResponse = (ack: WebhookAck): WebhookResponse => ({
  status: ack.status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(ack.body),
});

export const createWebhookHandler = (
  api: Pick<PaymentApi, 'receiveNotification'>,
  options: WebhookHandlerOptions = {},
): WebhookHandler => {
  const logger = options.logger ?? silent;
  const deadlineMs = options.deadlineMs ?? DEFAULT_NOTIFICATION_DEADLINE_MS;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;

  return async (request) => {
    const correlationId = request.correlationId;
    if (byteLength(request.body) > bodyLimit) {
      logger.warn('notification not read', { correlationId, statusCode: 413 });
      return webhookResponse(webhookFrameworkFailure(413));
    }
    let result: E.Either<ApiError, { readonly id: string }> | typeof LATE;
    try {
      result = await withinDeadline(
        api.receiveNotification({ headers: flatten(request.headers), body: decode(request.body) })(),
        deadlineMs,
      );
    } catch (e: unknown) {
      // A TaskEither that rejects is a bug in the core or an adapter: WeChat retries, we log it.
      logger.error('notification handling crashed', {
        correlationId,
        message: e instanceof Error ? e.message : String(e),
      });
      return webhookResponse(webhookFrameworkFailure(undefined));
    }
    if (result === LATE) {
      logger.warn('notification not recorded in time', { correlationId });
      return webhookResponse(webhookFailure({ _tag: 'Unavailable', message: 'deadline' }));
    }
    if (E.isRight(result)) {
      logger.info('notification recorded', { correlationId, notificationId: result.right.id });
      return webhookResponse(WEBHOOK_SUCCESS);
    }
    const ack = webhookFailure(result.left);
    logger.warn('notification not accepted', {
      correlationId,
      status: ack.status,
      reason: result.left._tag === 'NotificationRejected' ? result.left.error._tag : result.left._tag,
    });
    return webhookResponse(ack);
  };
};
