import * as E from 'fp-ts/Either';
import type { FastifyInstance } from 'fastify';
import type { Money } from '../../../domain/shared/money';
import type { CreatePaymentInput } from '../../../ports/payment-api';
import type { SceneInfo } from '../../../ports/wechat-pay-gateway';
import {
  CreatePaymentBodyCodec,
  PaymentParamsCodec,
  WaitQueryCodec,
  waitMs,
  type CreatePaymentBody,
} from './codecs';
import { decodeWith } from './decode';
import { collect, requestContext, respond, sendInvalid, type RouteDeps } from './respond';
import { paymentHttpStatus, paymentJson } from './views';

/** Quick Pay payments: create (idempotent by sub_mchid + out_trade_no), read, reverse. */

const sceneInfo = (s: NonNullable<CreatePaymentBody['scene_info']>): SceneInfo => ({
  ...(s.device_id === undefined ? {} : { deviceId: s.device_id }),
  ...(s.device_ip === undefined ? {} : { deviceIp: s.device_ip }),
  ...(s.payer_client_ip === undefined ? {} : { payerClientIp: s.payer_client_ip }),
  ...(s.operator_id === undefined ? {} : { operatorId: s.operator_id }),
  ...(s.store_info === undefined
    ? {}
    : {
        storeInfo: {
          name: s.store_info.name,
          address: s.store_info.address,
          ...(s.store_info.id === undefined ? {} : { id: s.store_info.id }),
        },
      }),
});

const toInput = (b: CreatePaymentBody): CreatePaymentInput => ({
  subMchid: b.sub_mchid,
  outTradeNo: b.out_trade_no,
  authCode: b.auth_code,
  amount: { amount: b.amount.total, currency: b.amount.currency } satisfies Money,
  description: b.description,
  ...(b.sub_appid === undefined ? {} : { subAppid: b.sub_appid }),
  ...(b.attach === undefined ? {} : { attach: b.attach }),
  ...(b.goods_tag === undefined ? {} : { goodsTag: b.goods_tag }),
  ...(b.merchant_category_code === undefined ? {} : { merchantCategoryCode: b.merchant_category_code }),
  ...(b.scene_info === undefined ? {} : { sceneInfo: sceneInfo(b.scene_info) }),
});

const location = (subMchid: string, outTradeNo: string): Record<string, string> => ({
  location: `/v1/payments/${subMchid}/${encodeURIComponent(outTradeNo)}`,
});

export const registerPaymentRoutes = (app: FastifyInstance, deps: RouteDeps): void => {
  app.post('/payments', async (request, reply) => {
    const input = collect({
      query: decodeWith(WaitQueryCodec)(request.query),
      body: decodeWith(CreatePaymentBodyCodec)(request.body),
    });
    if (E.isLeft(input)) return sendInvalid(reply, input.left);
    const { body, query } = input.right;
    const ms = waitMs(query.wait);
    return respond(
      deps,
      request,
      reply,
      deps.api.createPayment(toInput(body), requestContext(request), ms > 0 ? ms : undefined),
      (view) => ({
        status: paymentHttpStatus(view),
        body: paymentJson(view),
        headers: location(view.subMchid, view.outTradeNo),
      }),
    );
  });

  app.get('/payments/:sub_mchid/:out_trade_no', async (request, reply) => {
    const input = collect({
      params: decodeWith(PaymentParamsCodec)(request.params),
      query: decodeWith(WaitQueryCodec)(request.query),
    });
    if (E.isLeft(input)) return sendInvalid(reply, input.left);
    const { params, query } = input.right;
    const ms = waitMs(query.wait);
    const task =
      ms > 0
        ? deps.api.waitForPayment(params.sub_mchid, params.out_trade_no, ms)
        : deps.api.getPayment(params.sub_mchid, params.out_trade_no);
    return respond(deps, request, reply, task, (view) => ({ status: 200, body: paymentJson(view) }));
  });

  app.post('/payments/:sub_mchid/:out_trade_no/reverse', async (request, reply) => {
    const params = decodeWith(PaymentParamsCodec)(request.params);
    if (E.isLeft(params)) return sendInvalid(reply, params.left);
    return respond(
      deps,
      request,
      reply,
      deps.api.reversePayment(params.right.sub_mchid, params.right.out_trade_no, requestContext(request)),
      (view) => ({ status: paymentHttpStatus(view), body: paymentJson(view) }),
    );
  });
};
