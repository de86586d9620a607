import * as E from 'fp-ts/Either';
import type * as T from 'fp-ts/Task';
import type {
  GatewayOutcome,
  OrderRef,
  PayRequest,
  SceneInfo,
  Transaction,
} from '../../../ports/wechat-pay-gateway';
import { decodeWith, opt } from '../codecs/decode';
import { PayRequestBodyCodec } from '../codecs/requests';
import { toTransaction, TransactionWireCodec } from '../codecs/transaction';
import { invalidArgument } from '../outcome';
import {
  call,
  expectNoContent,
  queryString,
  segment,
  type CallOptions,
  type EndpointContext,
} from './context';

/** Orders in institution mode (reference §5.1–§5.4). */

const decodeTransaction = (json: unknown): E.Either<string, Transaction> => {
  const wire = decodeWith(TransactionWireCodec, json);
  return E.isLeft(wire) ? wire : E.right(toTransaction(wire.right));
};

/** Built once: query-order runs far more often than any other call (the pay saga polls it). */
const QUERY_ORDER_OPTIONS: CallOptions<Transaction> = {
  decode: decodeTransaction,
  idempotent: true,
  tradeStateMeansInProgress: true,
};

const sceneInfoWire = (s: SceneInfo) => ({
  ...opt('device_id', s.deviceId),
  ...opt('device_ip', s.deviceIp),
  ...opt('payer_client_ip', s.payerClientIp),
  ...opt('operator_id', s.operatorId),
  ...opt(
    'store_info',
    s.storeInfo === undefined
      ? undefined
      : { ...opt('id', s.storeInfo.id), name: s.storeInfo.name, address: s.storeInfo.address },
  ),
});

/** The JSON object sent for §5.1. */
export const payRequestBody = (ctx: EndpointContext, r: PayRequest) => ({
  sp_mchid: ctx.spMchid,
  sp_appid: ctx.spAppid,
  sub_mchid: r.subMchid,
  ...opt('sub_appid', r.subAppid),
  description: r.description,
  ...opt('attach', r.attach),
  out_trade_no: r.outTradeNo,
  ...opt('goods_tag', r.goodsTag),
  trade_type: 'MICROPAY' as const,
  ...opt('limit_pay', r.limitPay),
  merchant_category_code: r.merchantCategoryCode,
  payer: { auth_code: r.authCode },
  amount: { total: r.amount.amount, currency: r.amount.currency },
  ...opt('scene_info', r.sceneInfo === undefined ? undefined : sceneInfoWire(r.sceneInfo)),
});

const orderPath = (ref: OrderRef): string =>
  'outTradeNo' in ref ? `out-trade-no/${segment(ref.outTradeNo)}` : `id/${segment(ref.transactionId)}`;

export const pay =
  (ctx: EndpointContext) =>
  (request: PayRequest): T.Task<GatewayOutcome<Transaction>> =>
  async () => {
    const body = payRequestBody(ctx, request);
    const checked = decodeWith(PayRequestBodyCodec, body);
    if (E.isLeft(checked)) return invalidArgument(checked.left);
    return call(
      ctx,
      'pay',
      { method: 'POST', pathAndQuery: '/v3/global/micropay/transactions/pay', body: JSON.stringify(body) },
      // §5.1: never retried — a second submit could debit the customer twice; the saga queries instead.
      { decode: decodeTransaction, idempotent: false, tradeStateMeansInProgress: true },
    );
  };

export const queryOrder =
  (ctx: EndpointContext) =>
  (ref: OrderRef): T.Task<GatewayOutcome<Transaction>> =>
  () =>
    call(
      ctx,
      'queryOrder',
      {
        method: 'GET',
        pathAndQuery: `/v3/global/transactions/${orderPath(ref)}${queryString({ sp_mchid: ctx.spMchid, sub_mchid: ref.subMchid })}`,
      },
      QUERY_ORDER_OPTIONS,
    );

const idsBody = (ctx: EndpointContext, ref: OrderRef): string =>
  JSON.stringify({ sp_mchid: ctx.spMchid, sub_mchid: ref.subMchid });

export const reverse =
  (ctx: EndpointContext) =>
  (ref: OrderRef): T.Task<GatewayOutcome<void>> =>
  () =>
    call(
      ctx,
      'reverse',
      {
        method: 'POST',
        pathAndQuery: `/v3/global/micropay/transactions/${orderPath(ref)}/reverse`,
        body: idsBody(ctx, ref),
      },
      // §5.3: re-entrant, but its retries are paced by the reversal saga (≥ 15 s after pay, back-off).
      { decode: expectNoContent, idempotent: false },
    );

export const closeOrder =
  (ctx: EndpointContext) =>
  (ref: OrderRef): T.Task<GatewayOutcome<void>> =>
  () =>
    call(
      ctx,
      'closeOrder',
      {
        method: 'POST',
        pathAndQuery: `/v3/global/transactions/${orderPath(ref)}/close`,
        body: idsBody(ctx, ref),
      },
      { decode: expectNoContent, idempotent: false },
    );
