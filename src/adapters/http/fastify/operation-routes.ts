import * as E from 'fp-ts/Either';
import type { FastifyInstance } from 'fastify';
import type { SettlementQuery } from '../../../ports/wechat-pay-gateway';
import { DateParamsCodec, SettlementsQueryCodec, type SettlementsQuery } from './codecs';
import { decodeWith } from './decode';
import type { FieldError } from './problem';
import { requestContext, respond, sendInvalid, type RouteDeps } from './respond';
import { reconciliationJson, reviewJson, settlementJson } from './views';

/** Back-office reads and runs: reconciliation, settlements, and the NeedsReview queue. */

/** Dates are required for SETTLED and ignored for UNSETTLE; end ≥ start (reference §5.9). */
const settlementQuery = (q: SettlementsQuery): E.Either<readonly FieldError[], SettlementQuery> => {
  const sub = q.sub_mchid === undefined ? {} : { subMchid: q.sub_mchid };
  if (q.settle_state === 'UNSETTLE') return E.right({ settleState: 'UNSETTLE', ...sub });
  const errors: FieldError[] = [];
  if (q.start_date === undefined) errors.push({ field: 'start_date', message: 'is required for SETTLED' });
  if (q.end_date === undefined) errors.push({ field: 'end_date', message: 'is required for SETTLED' });
  if (q.start_date === undefined || q.end_date === undefined) return E.left(errors);
  if (q.end_date < q.start_date)
    return E.left([{ field: 'end_date', message: 'must not be before start_date' }]);
  return E.right({ settleState: 'SETTLED', startDate: q.start_date, endDate: q.end_date, ...sub });
};

export const registerOperationRoutes = (app: FastifyInstance, deps: RouteDeps): void => {
  app.post('/reconciliations/:date', async (request, reply) => {
    const params = decodeWith(DateParamsCodec)(request.params);
    if (E.isLeft(params)) return sendInvalid(reply, params.left);
    return respond(
      deps,
      request,
      reply,
      deps.api.reconcile(params.right.date, requestContext(request)),
      (view) => ({ status: 200, body: reconciliationJson(view) }),
    );
  });

  app.get('/reconciliations/:date', async (request, reply) => {
    const params = decodeWith(DateParamsCodec)(request.params);
    if (E.isLeft(params)) return sendInvalid(reply, params.left);
    return respond(deps, request, reply, deps.api.getReconciliation(params.right.date), (view) => ({
      status: 200,
      body: reconciliationJson(view),
    }));
  });

  app.get('/settlements', async (request, reply) => {
    const query = E.chain(settlementQuery)(decodeWith(SettlementsQueryCodec)(request.query));
    if (E.isLeft(query)) return sendInvalid(reply, query.left);
    return respond(deps, request, reply, deps.api.settlements(query.right), (rows) => ({
      status: 200,
      body: { data: rows.map(settlementJson) },
    }));
  });

  app.get('/reviews', async (request, reply) =>
    respond(deps, request, reply, deps.api.reviewQueue(), (items) => ({
      status: 200,
      body: { data: items.map(reviewJson) },
    })),
  );
};
