import * as E from 'fp-ts/Either';
import type { FastifyInstance } from 'fastify';
import {
  PaymentParamsCodec,
  RefundParamsCodec,
  ResolvePaymentReviewBodyCodec,
  ResolveRefundReviewBodyCodec,
} from './codecs';
import { decodeWith } from './decode';
import { collect, requestContext, respond, sendInvalid, type RouteDeps } from './respond';
import { paymentJson, refundJson } from './views';

/**
 * Manual resolution of the NeedsReview queue: an operator states the status a payment or refund
 * really ends in and why. The actor and note are kept in the event, so the audit trail shows who.
 */
export const registerReviewRoutes = (app: FastifyInstance, deps: RouteDeps): void => {
  app.post('/payments/:sub_mchid/:out_trade_no/review/resolve', async (request, reply) => {
    const input = collect({
      params: decodeWith(PaymentParamsCodec)(request.params),
      body: decodeWith(ResolvePaymentReviewBodyCodec)(request.body),
    });
    if (E.isLeft(input)) return sendInvalid(reply, input.left);
    const { params, body } = input.right;
    return respond(
      deps,
      request,
      reply,
      deps.api.resolvePaymentReview(params.sub_mchid, params.out_trade_no, body, requestContext(request)),
      (view) => ({ status: 200, body: paymentJson(view) }),
    );
  });

  app.post('/refunds/:sub_mchid/:out_refund_no/review/resolve', async (request, reply) => {
    const input = collect({
      params: decodeWith(RefundParamsCodec)(request.params),
      body: decodeWith(ResolveRefundReviewBodyCodec)(request.body),
    });
    if (E.isLeft(input)) return sendInvalid(reply, input.left);
    const { params, body } = input.right;
    return respond(
      deps,
      request,
      reply,
      deps.api.resolveRefundReview(params.sub_mchid, params.out_refund_no, body, requestContext(request)),
      (view) => ({ status: 200, body: refundJson(view) }),
    );
  });
};
