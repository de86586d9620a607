import * as E from 'fp-ts/Either';
import type { FastifyInstance } from 'fastify';
import {
  CreateRefundBodyCodec,
  PaymentParamsCodec,
  RefundParamsCodec,
  WaitQueryCodec,
  waitMs,
} from './codecs';
import { decodeWith } from './decode';
import { collect, requestContext, respond, sendInvalid, type RouteDeps } from './respond';
import { refundHttpStatus, refundJson } from './views';

/**
 * Refunds of a payment: create (idempotent by out_refund_no), list, and read one. `?wait=N` on create
 * and read holds the answer until the refund is settled for the merchant, as for payments.
 */

export const registerRefundRoutes = (app: FastifyInstance, deps: RouteDeps): void => {
  app.post('/payments/:sub_mchid/:out_trade_no/refunds', async (request, reply) => {
    const input = collect({
      params: decodeWith(PaymentParamsCodec)(request.params),
      query: decodeWith(WaitQueryCodec)(request.query),
      body: decodeWith(CreateRefundBodyCodec)(request.body),
    });
    if (E.isLeft(input)) return sendInvalid(reply, input.left);
    const { params, query, body } = input.right;
    const ms = waitMs(query.wait);
    const refund = {
      subMchid: params.sub_mchid,
      outTradeNo: params.out_trade_no,
      outRefundNo: body.out_refund_no,
      amount: { amount: body.amount.refund, currency: body.amount.currency },
      ...(body.reason === undefined ? {} : { reason: body.reason }),
    };
    return respond(
      deps,
      request,
      reply,
      deps.api.createRefund(refund, requestContext(request), ms > 0 ? ms : undefined),
      (view) => ({
        status: refundHttpStatus(view),
        body: refundJson(view),
        headers: { location: `/v1/refunds/${view.subMchid}/${encodeURIComponent(view.outRefundNo)}` },
      }),
    );
  });

  app.get('/payments/:sub_mchid/:out_trade_no/refunds', async (request, reply) => {
    const params = decodeWith(PaymentParamsCodec)(request.params);
    if (E.isLeft(params)) return sendInvalid(reply, params.left);
    return respond(
      deps,
      request,
      reply,
      deps.api.listRefunds(params.right.sub_mchid, params.right.out_trade_no),
      (refunds) => ({ status: 200, body: { data: refunds.map(refundJson) } }),
    );
  });

  app.get('/refunds/:sub_mchid/:out_refund_no', async (request, reply) => {
    const input = collect({
      params: decodeWith(RefundParamsCodec)(request.params),
      query: decodeWith(WaitQueryCodec)(request.query),
    });
    if (E.isLeft(input)) return sendInvalid(reply, input.left);
    const { params, query } = input.right;
    const ms = waitMs(query.wait);
    const task =
      ms > 0
        ? deps.api.waitForRefund(params.sub_mchid, params.out_refund_no, ms)
        : deps.api.getRefund(params.sub_mchid, params.out_refund_no);
    return respond(deps, request, reply, task, (view) => ({ status: 200, body: refundJson(view) }));
  });
};
