import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PaymentApi } from '../../ports/payment-api';
import {
  createWebhookHandler,
  DEFAULT_WEBHOOK_BODY_LIMIT_BYTES,
  webhookFrameworkFailure,
  webhookResponse,
  type WebhookHandlerOptions,
  type WebhookResponse,
} from './webhook-handler';

/**
 * The webhook as an express-style middleware `(req, res, next)`, over plain node:http types, so it
 * also fits connect, polka or a bare `http.createServer`. It needs the body's exact bytes: it reads
 * the request stream itself, or takes `req.body` when an earlier raw/text parser left a Buffer or a
 * string there. A JSON body parser must not run before it: the parsed object can no longer be
 * verified, and the middleware answers 500 FAIL (WeChat retries) and logs why.
 */

/** What the middleware reads of a request: node's IncomingMessage, plus the `body` express may set. */
export type WebhookMiddlewareRequest = IncomingMessage & { body?: unknown };

export type WebhookMiddleware = (
  req: WebhookMiddlewareRequest,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

class TooLarge extends Error {}

/** Reads the stream to its end, refusing (and discarding the rest) past `limit` bytes. */
const readRaw = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += bytes.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new TooLarge());
        return;
      }
      chunks.push(bytes);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(new Error('aborted')));
  });

const send = (res: ServerResponse, response: WebhookResponse): void => {
  if (res.headersSent) return;
  res.writeHead(response.status, { ...response.headers });
  res.end(response.body);
};

export const createWebhookMiddleware = (
  api: Pick<PaymentApi, 'receiveNotification'>,
  options: WebhookHandlerOptions = {},
): WebhookMiddleware => {
  const handle = createWebhookHandler(api, options);
  const limit = options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  const logger = options.logger;

  const rawBody = async (req: WebhookMiddlewareRequest): Promise<Buffer | string | undefined> => {
    if (Buffer.isBuffer(req.body) || typeof req.body === 'string') return req.body;
    // body-parser sets `{}` without reading a body it does not handle: the stream is still there.
    if (!req.readableEnded) return readRaw(req, limit);
    return undefined;
  };

  return (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, webhookResponse(webhookFrameworkFailure(405)));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      logger?.warn('notification not read', { statusCode: 413 });
      req.resume();
      send(res, webhookResponse(webhookFrameworkFailure(413)));
      return;
    }
    rawBody(req).then(
      async (body) => {
        if (body === undefined) {
          logger?.error('notification body already parsed: mount the webhook before any JSON body parser');
          send(res, webhookResponse(webhookFrameworkFailure(undefined)));
          return;
        }
        send(res, await handle({ body, headers: req.headers }));
      },
      (error: unknown) => {
        const statusCode = error instanceof TooLarge ? 413 : 400;
        logger?.warn('notification not read', { statusCode });
        send(res, webhookResponse(webhookFrameworkFailure(statusCode)));
      },
    );
  };
};
