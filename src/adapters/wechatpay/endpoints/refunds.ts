import * as E from 'fp-ts/Either';
import type * as T from 'fp-ts/Task';
import type {
  GatewayOutcome,
  OrderRef,
  OrderRefunds,
  RefundInfo,
  RefundRef,
  RefundRequest,
} from '../../../ports/wechat-pay-gateway';
import { decodeWith, opt } from '../codecs/decode';
import {
  RefundCreateResponseCodec,
  RefundListPageCodec,
  RefundQueryResponseCodec,
  toRefundInfo,
  type RefundListPage,
} from '../codecs/refund';
import { RefundRequestBodyCodec } from '../codecs/requests';
import { invalidArgument } from '../outcome';
import { call, queryString, segment, type EndpointContext } from './context';

/** Refunds (reference §5.5–§5.7). */

/** §5.7: "count" is at most 20. */
export const REFUND_PAGE_SIZE = 20;
/** 50 refunds per order at most (§5.5), so a handful of pages; the cap stops a server that never ends. */
const MAX_REFUND_PAGES = 10;

export const refundRequestBody = (ctx: EndpointContext, r: RefundRequest) => ({
  sp_mchid: ctx.spMchid,
  sp_appid: ctx.spAppid,
  sub_mchid: r.subMchid,
  ...opt('sub_appid', r.subAppid),
  // §5.5 recommends transaction_id; out_trade_no only when the WeChat id is not known.
  ...(r.transactionId === undefined
    ? opt('out_trade_no', r.outTradeNo)
    : { transaction_id: r.transactionId }),
  out_refund_no: r.outRefundNo,
  ...opt('reason', r.reason),
  ...opt('source', r.source),
  amount: { refund: r.refund.amount, total: r.total.amount, currency: r.total.currency },
  ...opt('notify_url', r.notifyUrl),
});

export const refund =
  (ctx: EndpointContext) =>
  (request: RefundRequest): T.Task<GatewayOutcome<RefundInfo>> =>
  async () => {
    if (request.transactionId === undefined && request.outTradeNo === undefined)
      return invalidArgument('transactionId or outTradeNo is required');
    if (request.refund.currency !== request.total.currency)
      return invalidArgument('refund and total currencies differ');
    if (request.refund.amount > request.total.amount)
      return invalidArgument('refund exceeds the order total');
    const body = refundRequestBody(ctx, request);
    const checked = decodeWith(RefundRequestBodyCodec, body);
    if (E.isLeft(checked)) return invalidArgument(checked.left);
    return call(
      ctx,
      'refund',
      { method: 'POST', pathAndQuery: '/v3/global/refunds', body: JSON.stringify(body) },
      // Retried by the refund saga with the same out_refund_no (§5.5), never here.
      {
        decode: (json) => E.map(toRefundInfo)(decodeWith(RefundCreateResponseCodec, json)),
        idempotent: false,
      },
    );
  };

export const queryRefund =
  (ctx: EndpointContext) =>
  (ref: RefundRef): T.Task<GatewayOutcome<RefundInfo>> =>
  () => {
    const path =
      'outRefundNo' in ref ? `out-refund-no/${segment(ref.outRefundNo)}` : `id/${segment(ref.refundId)}`;
    return call(
      ctx,
      'queryRefund',
      {
        method: 'GET',
        pathAndQuery: `/v3/global/refunds/${path}${queryString({ sp_mchid: ctx.spMchid, sub_mchid: ref.subMchid })}`,
      },
      { decode: (json) => E.map(toRefundInfo)(decodeWith(RefundQueryResponseCodec, json)), idempotent: true },
    );
  };

export const queryAllRefunds =
  (ctx: EndpointContext) =>
  (ref: OrderRef): T.Task<GatewayOutcome<OrderRefunds>> =>
  async () => {
    const refunds: RefundInfo[] = [];
    let first: RefundListPage | undefined;
    for (let page = 0; page < MAX_REFUND_PAGES; page += 1) {
      const offset = page * REFUND_PAGE_SIZE;
      const params = {
        ...('outTradeNo' in ref ? { out_trade_no: ref.outTradeNo } : { transaction_id: ref.transactionId }),
        offset,
        count: REFUND_PAGE_SIZE,
        sp_mchid: ctx.spMchid,
        sub_mchid: ref.subMchid,
      };
      const outcome = await call(
        ctx,
        'queryAllRefunds',
        { method: 'GET', pathAndQuery: `/v3/global/refunds${queryString(params)}` },
        { decode: (json) => decodeWith(RefundListPageCodec, json), idempotent: true },
      );
      if (outcome._tag !== 'Success') return outcome;
      first ??= outcome.value;
      const data = outcome.value.data ?? [];
      refunds.push(...data.map(toRefundInfo));
      if (data.length === 0 || refunds.length >= outcome.value.total_num) break;
    }
    if (first === undefined)
      return { _tag: 'Unknown', reason: 'MalformedResponse', detail: 'no refund page read' };
    return {
      _tag: 'Success',
      value: {
        transactionId: first.id,
        outTradeNo: first.out_trade_no,
        amount: { total: first.amount.total, currency: first.amount.currency },
        refunds,
      },
    };
  };
