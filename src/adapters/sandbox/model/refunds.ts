import type { RefundRequestBody } from '../protocol/codecs';
import { errorReply, jsonReply, type Reply } from '../http/reply';
import { newRefundId, sha256, type EngineContext, type RefundRefusalCode } from './context';
import { checkInstitution, findOrder } from './orders';
import type { Order, Refund } from './types';
import { payerAmount, refundCreatedView, refundView } from './views';

/** Refunds (reference §5.5–§5.7): the rules apihk states, enforced rather than assumed. */

const MAX_REFUNDS_PER_ORDER = 50;
const MIN_INTERVAL_MS = 60_000;
const REFUND_WINDOW_MS = 365 * 24 * 3600_000;
const MAX_PAGE = 20;

/** Reason markers let a caller pick a refund's outcome, like the auth-code scenarios (docs/sandbox.md). */
const outcomeFor = (context: EngineContext, reason: string | undefined): RefundOutcome => {
  if (reason?.includes('SANDBOX_REFUNDCLOSE') === true) return 'REFUNDCLOSE';
  if (reason?.includes('SANDBOX_ABNORMAL') === true) return 'ABNORMAL';
  return context.controls.nextRefundOutcome ?? context.settings.defaultRefundOutcome;
};

type RefundOutcome = NonNullable<Refund['pending']>['to'];

/** How WeChat answers each refusal "for now" (status codes as the client sees them; UNCONFIRMED for NOT_ENOUGH). */
const REFUSALS: Readonly<Record<RefundRefusalCode, { readonly status: number; readonly message: string }>> = {
  NOT_ENOUGH: { status: 403, message: 'insufficient balance to refund; retry later' },
  FREQUENCY_LIMITED: { status: 429, message: 'frequency limited; retry later' },
  SYSTEM_ERROR: { status: 500, message: 'system error; retry with the same out_refund_no' },
};

/** The refusal control (POST /sandbox/refunds/refusals): refuses this submission, or lets it through. */
const refusalFor = (context: EngineContext, now: number): Reply | undefined => {
  const refusal = context.controls.refundRefusal;
  if (refusal === undefined) return undefined;
  const expired =
    (refusal.until !== undefined && now >= refusal.until) ||
    (refusal.remaining !== undefined && refusal.remaining <= 0);
  if (expired) {
    delete context.controls.refundRefusal;
    return undefined;
  }
  if (refusal.remaining !== undefined) refusal.remaining -= 1;
  const { status, message } = REFUSALS[refusal.code];
  return { ...errorReply(status, refusal.code, message), fault: 'refund-refusal' };
};

/**
 * Moves an existing refund to `to` at business time `at` (POST /sandbox/refunds/transition): an
 * ABNORMAL refund that WeChat later pays out or closes, at a moment the test chooses.
 */
export const scheduleRefundTransition = (
  context: EngineContext,
  subMchid: string,
  outRefundNo: string,
  to: RefundOutcome,
  at: number,
): Reply => {
  const refund = context.records.refund(subMchid, outRefundNo);
  if (refund === undefined) return errorReply(404, 'RESOURCE_NOT_EXISTS', 'refund does not exist');
  if (refund.status === 'SUCCESS' || refund.status === 'REFUNDCLOSE') {
    return errorReply(400, 'INVALID_REQUEST', `the refund is already ${refund.status}`);
  }
  refund.pending = { at, to };
  context.records.saveRefund(refund);
  context.active.refunds.add(refund.id);
  return jsonReply(200, {
    out_refund_no: refund.outRefundNo,
    status: refund.status,
    pending: refund.pending,
  });
};

const paramError = (field: string, issue: string): Reply =>
  errorReply(400, 'PARAM_ERROR', `${field}: ${issue}`, { field, issue, location: 'body' });

const isReply = (value: Order | Reply): value is Reply => 'status' in value;

export const createRefund = (context: EngineContext, body: RefundRequestBody): Reply => {
  const refused = checkInstitution(context, body.sp_mchid, body.sp_appid);
  if (refused !== undefined) return refused;
  const lookup =
    body.transaction_id !== undefined
      ? { id: body.transaction_id }
      : body.out_trade_no !== undefined
        ? { outTradeNo: body.out_trade_no }
        : undefined;
  if (lookup === undefined)
    return paramError('#/properties/transaction_id', 'transaction_id or out_trade_no is required');
  const found = findOrder(context, body.sub_mchid, lookup);
  if (isReply(found)) return found;
  const order = found;
  // §5.5: the same out_refund_no with the same parameters is the same refund, so retries are safe.
  const fingerprint = sha256(
    JSON.stringify([order.id, body.amount.refund, body.amount.total, body.amount.currency]),
  );
  const existing = context.records.refund(body.sub_mchid, body.out_refund_no);
  if (existing !== undefined) {
    return existing.fingerprint === fingerprint
      ? jsonReply(200, refundCreatedView(existing))
      : errorReply(403, 'OUT_REFUND_NO_USED', 'out_refund_no was already used with different parameters');
  }
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND') {
    return errorReply(
      400,
      'INVALID_REQUEST',
      `the order is ${order.tradeState}, not paid: nothing to refund`,
    );
  }
  if (body.amount.currency !== order.currency)
    return paramError('#/properties/amount/currency', 'must be the order currency');
  if (body.amount.total !== order.total)
    return paramError('#/properties/amount/total', 'must be the order total');
  const now = context.time.now();
  if (now - (order.successTime ?? order.createdAt) > REFUND_WINDOW_MS) {
    return errorReply(400, 'INVALID_REQUEST', 'orders paid more than one year ago cannot be refunded');
  }
  const previous = context.records.refundsOfOrder(order.id);
  if (previous.length >= MAX_REFUNDS_PER_ORDER) {
    return errorReply(400, 'INVALID_REQUEST', 'an order can have at most 50 refunds');
  }
  const refusedForNow = refusalFor(context, now);
  if (refusedForNow !== undefined) return refusedForNow;
  const latest = previous.reduce((max, r) => Math.max(max, r.createdAt), -Infinity);
  if (now - latest < MIN_INTERVAL_MS) {
    return errorReply(429, 'FREQUENCY_LIMITED', 'refunds of one order must be at least one minute apart');
  }
  const committed = previous.filter((r) => r.status !== 'REFUNDCLOSE').reduce((sum, r) => sum + r.refund, 0);
  if (committed + body.amount.refund > order.total) {
    return errorReply(
      400,
      'INVALID_REQUEST',
      `refund exceeds the refundable amount (${order.total - committed} ${order.currency} minor units left)`,
    );
  }
  const outcome = outcomeFor(context, body.reason);
  const refund: Refund = {
    id: newRefundId(context),
    outRefundNo: body.out_refund_no,
    spMchid: body.sp_mchid,
    subMchid: body.sub_mchid,
    transactionId: order.id,
    outTradeNo: order.outTradeNo,
    refund: body.amount.refund,
    total: body.amount.total,
    currency: body.amount.currency,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
    source: body.source ?? 'REFUND_SOURCE_UNSETTLED_FUNDS',
    ...(body.notify_url === undefined ? {} : { notifyUrl: body.notify_url }),
    fingerprint,
    createdAt: now,
    status: 'PROCESSING',
    pending: {
      at: now + context.settings.refundDelaySeconds[outcome] * 1000,
      to: outcome,
    },
  };
  context.records.saveRefund(refund);
  context.active.refunds.add(refund.id);
  order.tradeState = 'REFUND';
  context.records.saveOrder(order);
  return jsonReply(200, refundCreatedView(refund));
};

export type RefundLookup = { readonly outRefundNo: string } | { readonly id: string };

export const queryRefund = (
  context: EngineContext,
  spMchid: string,
  subMchid: string,
  lookup: RefundLookup,
): Reply => {
  const refused = checkInstitution(context, spMchid);
  if (refused !== undefined) return refused;
  const refund =
    'outRefundNo' in lookup
      ? context.records.refund(subMchid, lookup.outRefundNo)
      : context.records.refundById(lookup.id);
  if (refund === undefined || refund.subMchid !== subMchid) {
    return errorReply(404, 'RESOURCE_NOT_EXISTS', 'refund does not exist');
  }
  return jsonReply(200, refundView(refund));
};

export interface RefundListQuery {
  readonly sp_mchid: string;
  readonly sub_mchid: string;
  readonly transaction_id?: string;
  readonly out_trade_no?: string;
  readonly offset?: string;
  readonly count?: string;
}

const pageParam = (value: string | undefined, fallback: number): number | undefined =>
  value === undefined ? fallback : /^[0-9]{1,6}$/.test(value) ? Number(value) : undefined;

/** §5.7: count ≤ 20; an offset past the end is PARAM_ERROR, as v2 did (UNCONFIRMED for v3). */
export const listRefunds = (context: EngineContext, query: RefundListQuery): Reply => {
  const refused = checkInstitution(context, query.sp_mchid);
  if (refused !== undefined) return refused;
  const offset = pageParam(query.offset, 0);
  const count = pageParam(query.count, 10);
  const queryError = (field: string, issue: string): Reply =>
    errorReply(400, 'PARAM_ERROR', `${field}: ${issue}`, { field, issue, location: 'query' });
  if (offset === undefined) return queryError('offset', 'must be a non-negative integer');
  if (count === undefined || count < 1 || count > MAX_PAGE) return queryError('count', 'must be 1 to 20');
  const lookup =
    query.transaction_id !== undefined
      ? { id: query.transaction_id }
      : query.out_trade_no !== undefined
        ? { outTradeNo: query.out_trade_no }
        : undefined;
  if (lookup === undefined) return queryError('transaction_id', 'transaction_id or out_trade_no is required');
  const found = findOrder(context, query.sub_mchid, lookup);
  if (isReply(found)) return found;
  const all = context.records.refundsOfOrder(found.id);
  if (offset > all.length) return queryError('offset', 'is beyond the number of refunds');
  const page = all.slice(offset, offset + count);
  return jsonReply(200, {
    id: found.id,
    sp_mchid: found.spMchid,
    sub_mchid: found.subMchid,
    out_trade_no: found.outTradeNo,
    amount: {
      total: found.total,
      currency: found.currency,
      payer_total: payerAmount(found.total, found.currency),
      payer_currency: 'CNY',
    },
    data: page.map(refundView),
    total_num: all.length,
    current_total_num: page.length,
    offset,
    count,
  });
};
