import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../../../ports/logger';
import type { PaymentApi } from '../../../ports/payment-api';
import { createTokenCheck } from './auth';
import { registerHealthRoutes } from './health-routes';
import { registerOperationRoutes } from './operation-routes';
import { registerPaymentRoutes } from './payment-routes';
import { frameworkProblem, problem } from './problem';
import { registerRefundRoutes } from './refund-routes';
import { registerReviewRoutes } from './review-routes';
import { sendProblem } from './respond';
import { registerWebhook } from './webhook';

/**
 * The merchant API (`/v1`, bearer token), the WeChat Pay webhook, and the operational probes, on
 * fastify. It drives the core only through the PaymentApi port.
 */

export interface HttpServerDeps {
  readonly api: PaymentApi;
  readonly apiToken: string;
  readonly logger: Logger;
  readonly renderMetrics: () => Promise<{ readonly contentType: string; readonly body: string }>;
  /** Payment, refund and notification bodies are a few KB; anything far larger is refused early. */
  readonly bodyLimitBytes?: number;
  /** How long the webhook waits for the notification to be recorded before answering FAIL. */
  readonly notificationDeadlineMs?: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export interface RouteEntry {
  readonly method: string;
  /** Fastify's spelling: `/v1/payments/:sub_mchid/:out_trade_no`. */
  readonly url: string;
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server answers (HEAD twins of GET routes excluded), for the OpenAPI check. */
export const routesOf = (app: FastifyInstance): readonly RouteEntry[] => routeTables.get(app) ?? [];

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const createHttpServer = (deps: HttpServerDeps): FastifyInstance => {
  const isAuthorised = createTokenCheck(deps.apiToken);
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    requestIdHeader: false,
    // A caller's X-Request-Id is kept when it is a sane token, so its logs and ours share one id.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // Probes are scraped every few seconds; at info they would drown the requests that matter.
    const log = PROBES.has(request.routeOptions.url ?? '') ? deps.logger.debug : deps.logger.info;
    log('http request', {
      correlationId: request.id,
      method: request.method,
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime),
    });
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
    const body = frameworkProblem(error.statusCode);
    if (body.status >= 500)
      deps.logger.error('unhandled error', { correlationId: request.id, message: error.message });
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem('ROUTE_NOT_FOUND', { detail: `${request.method} ${request.url.split('?')[0]}` }),
    ),
  );

  const routeDeps = { api: deps.api, logger: deps.logger };
  app.register(
    async (v1) => {
      // The merchant API speaks JSON only; fastify's default text/plain parser would let a string through.
      v1.removeContentTypeParser('text/plain');
      v1.addHook('onRequest', async (request, reply) => {
        if (isAuthorised(request.headers.authorization)) return;
        reply.header('www-authenticate', 'Bearer realm="wpg"');
        return sendProblem(reply, problem('UNAUTHORIZED'));
      });
      registerPaymentRoutes(v1, routeDeps);
      registerRefundRoutes(v1, routeDeps);
      registerOperationRoutes(v1, routeDeps);
      registerReviewRoutes(v1, routeDeps);
    },
    { prefix: '/v1' },
  );
  registerWebhook(app, {
    ...routeDeps,
    ...(deps.notificationDeadlineMs === undefined ? {} : { deadlineMs: deps.notificationDeadlineMs }),
    bodyLimitBytes: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
  });
  registerHealthRoutes(app, { ...routeDeps, renderMetrics: deps.renderMetrics });
  return app;
};
