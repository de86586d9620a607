import type { FastifyInstance } from 'fastify';
import { problem } from './problem';
import { sendProblem, type RouteDeps } from './respond';

/**
 * Probes for an orchestrator, without a token: `/healthz` says the process answers, `/readyz` that
 * it can do its job (store reachable, platform certificates loaded), `/metrics` is Prometheus text.
 */

export interface OperationsDeps extends RouteDeps {
  readonly renderMetrics: () => Promise<{ readonly contentType: string; readonly body: string }>;
}

export const registerHealthRoutes = (app: FastifyInstance, deps: OperationsDeps): void => {
  app.get('/healthz', async (_request, reply) => reply.code(200).send({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const readiness = await deps.api.readiness()();
    const checks = { store: readiness.store, certificates: readiness.certificates };
    if (readiness.store && readiness.certificates) return reply.code(200).send({ status: 'ready', checks });
    const failing = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    return sendProblem(reply, {
      ...problem('NOT_READY', { detail: `not ready: ${failing.join(', ')}` }),
      checks,
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await deps.renderMetrics();
    return reply.code(200).type(contentType).send(body);
  });
};
