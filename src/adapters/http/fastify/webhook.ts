import * as E from 'fp-ts/Either';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { webhookFailure, webhookFrameworkFailure, WEBHOOK_SUCCESS, type WebhookAck } from './problem';
import type { RouteDeps } from './respond';

/**
 * `POST /notifications/wechatpay`. The signature covers the body exactly as sent (reference §3), so
 * the body is taken as raw text, never parsed and re-serialised. No bearer token: the signature is
 * the authentication. The ack follows durable recording (§7.3), because a 2xx stops WeChat's retries.
 */

export const WEBHOOK_PATH = '/notifications/wechatpay';

/** WeChat expects an answer within 5 s (reference §7.3); later than that it retries anyway. */
export const DEFAULT_NOTIFICATION_DEADLINE_MS = 4_500;

const LATE: unique symbol = Symbol('late');

/**
 * Answers FAIL when recording takes too long, rather than letting WeChat time out. The recording
 * may still complete; the retry it causes is a duplicate, which changes nothing twice (§7.3).
 */
const withinDeadline = <A>(work: Promise<A>, ms: number): Promise<A | typeof LATE> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
};

const flatten = (headers: IncomingHttpHeaders): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
};

const sendAck = (reply: FastifyReply, ack: WebhookAck): FastifyReply =>
  reply.code(ack.status).type('application/json; charset=utf-8').send(JSON.stringify(ack.body));

export const registerWebhook = (
  app: FastifyInstance,
  deps: RouteDeps & { readonly deadlineMs?: number },
): void => {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.setErrorHandler((error: { statusCode?: number }, request, reply) => {
      deps.logger.warn('notification not read', { correlationId: request.id, statusCode: error.statusCode });
      return sendAck(reply, webhookFrameworkFailure(error.statusCode));
    });

    scope.post(WEBHOOK_PATH, async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const result = await withinDeadline(
        deps.api.receiveNotification({ headers: flatten(request.headers), body })(),
        deps.deadlineMs ?? DEFAULT_NOTIFICATION_DEADLINE_MS,
      );
      if (result === LATE) {
        deps.logger.warn('notification not recorded in time', { correlationId: request.id });
        return sendAck(reply, webhookFailure({ _tag: 'Unavailable', message: 'deadline' }));
      }
      if (E.isRight(result)) {
        deps.logger.info('notification recorded', {
          correlationId: request.id,
          notificationId: result.right.id,
        });
        return sendAck(reply, WEBHOOK_SUCCESS);
      }
      const ack = webhookFailure(result.left);
      deps.logger.warn('notification not accepted', {
        correlationId: request.id,
        status: ack.status,
        reason: result.left._tag === 'NotificationRejected' ? result.left.error._tag : result.left._tag,
      });
      return sendAck(reply, ack);
    });
  });
};
