import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Logger } from '../../../ports/logger';
import type { PaymentApi } from '../../../ports/payment-api';
import {
  createWebhookHandler,
  DEFAULT_WEBHOOK_BODY_LIMIT_BYTES,
  WEBHOOK_PATH,
  webhookFrameworkFailure,
  webhookResponse,
  type WebhookHandlerOptions,
  type WebhookResponse,
} from '../webhook-handler';

/**
 * `POST /notifications/wechatpay` on fastify: the framework-free handler behind a route. No bearer
 * token: the signature is the authentication (reference §3).
 */

export { WEBHOOK_PATH };

export interface WebhookPluginOptions extends WebhookHandlerOptions {
  readonly api: Pick<PaymentApi, 'receiveNotification'>;
  /** Where WeChat posts; the `notify_url` the platform gives it. Default `/notifications/wechatpay`. */
  readonly path?: string;
}

const send = (reply: FastifyReply, response: WebhookResponse): FastifyReply =>
  reply.code(response.status).headers(response.headers).send(response.body);

/**
 * A fastify plugin for a platform's own app: `app.register(webhookPlugin, { api })`. It is
 * encapsulated (not wrapped in fastify-plugin) on purpose: the raw-body parser it installs, in place
 * of the JSON one, applies to the webhook route alone and leaves the app's other routes as they were.
 */
export const webhookPlugin: FastifyPluginAsync<WebhookPluginOptions> = async (scope, options) => {
  const handle = createWebhookHandler(options.api, options);
  const logger: Logger | undefined = options.logger;
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  scope.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    logger?.warn('notification not read', { correlationId: request.id, statusCode: error.statusCode });
    return send(reply, webhookResponse(webhookFrameworkFailure(error.statusCode)));
  });

  scope.post(
    options.path ?? WEBHOOK_PATH,
    { bodyLimit: options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : '';
      return send(reply, await handle({ body, headers: request.headers, correlationId: request.id }));
    },
  );
};

/** The service's own server: the same plugin, with its logger, deadline and body limit. */
export const registerWebhook = (
  app: FastifyInstance,
  deps: {
    readonly api: PaymentApi;
    readonly logger: Logger;
    readonly deadlineMs?: number;
    readonly bodyLimitBytes?: number;
  },
): void => {
  app.register(webhookPlugin, {
    api: deps.api,
    logger: deps.logger,
    ...(deps.deadlineMs === undefined ? {} : { deadlineMs: deps.deadlineMs }),
    ...(deps.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: deps.bodyLimitBytes }),
  });
};
