import type { PayRequestBody } from '../protocol/codecs';
import { errorReply, jsonReply, noContent, notFound, type Reply } from '../http/reply';
import { markPaid, newTransactionId, sha256, type EngineContext } from './context';
import { AUTO_REVOKE_SECONDS, scenarioOf, type ScenarioOutcome } from './scenarios';
import type { Order } from './types';
import { transactionView } from './views';

/** Quick Pay orders: submit, query, reverse and close (reference §5.1–§5.4, §7.1). */

const REVERSE_EARLIEST_MS = 15_000;
const REVERSE_LATEST_MS = 7 * 24 * 3600_000;

export type OrderLookup = { readonly outTradeNo: string } | { readonly id: string };

const mismatchedMerchant = (field: string): Reply =>
  errorReply(403, 'NO_AUTH', `${field} is not the institution that signed the request`);

export const checkInstitution = (
  context: EngineContext,
  spMchid: string,
  spAppid?: string,
): Reply | undefined => {
  if (spMchid !== context.settings.spMchid) return mismatchedMerchant('sp_mchid');
  if (spAppid !== undefined && spAppid !== context.settings.spAppid) return mismatchedMerchant('sp_appid');
  return undefined;
};

/** USERPAYING in the configured shape (§5.1: 202, an error `code`, or 200 with `trade_state`). */
const userPaying = (context: EngineContext, order: Order): Reply => {
  switch (context.settings.userPayingAs) {
    case 'http202':
      return jsonReply(202, transactionView(order));
    case 'errorCode':
      return errorReply(403, 'USERPAYING', 'the customer is entering the payment password');
    case 'tradeState':
      return jsonReply(200, transactionView(order));
  }
};

export const representOrder = (context: EngineContext, order: Order): Reply =>
  order.tradeState === 'USERPAYING' ? userPaying(context, order) : jsonReply(200, transactionView(order));

const fingerprintOf = (body: PayRequestBody, authCodeHash: string): string =>
  sha256(
    JSON.stringify([
      body.sub_mchid,
      body.sub_appid ?? null,
      body.out_trade_no,
      body.description,
      body.attach ?? null,
      body.goods_tag ?? null,
      body.limit_pay ?? null,
      body.merchant_category_code,
      body.amount.total,
      body.amount.currency,
      authCodeHash,
    ]),
  );

const payingUntil = (order: Order, afterSeconds: number, to: 'SUCCESS' | 'PAYERROR' | 'REVOKED'): void => {
  // Whatever the customer would do, an order unpaid at 45 s is revoked by WeChat (§7.1).
  const isTooLate = afterSeconds >= AUTO_REVOKE_SECONDS;
  order.tradeState = 'USERPAYING';
  order.pending = {
    at: order.createdAt + (isTooLate ? AUTO_REVOKE_SECONDS : afterSeconds) * 1000,
    to: isTooLate ? 'REVOKED' : to,
  };
};

const effectiveOutcome = (
  context: EngineContext,
  outcome: ScenarioOutcome,
  total: number,
): ScenarioOutcome =>
  outcome.kind === 'success' && total > context.settings.passwordFreeLimit
    ? {
        kind: 'paying',
        to: 'SUCCESS',
        afterSeconds: context.settings.passwordEntrySeconds,
        refusesReverseWhilePaying: false,
      }
    : outcome;

export const pay = (context: EngineContext, body: PayRequestBody): Reply => {
  const refused = checkInstitution(context, body.sp_mchid, body.sp_appid);
  if (refused !== undefined) return refused;
  if (body.trade_type !== 'MICROPAY') {
    return errorReply(400, 'PARAM_ERROR', 'trade_type must be MICROPAY', {
      field: '#/properties/trade_type',
      issue: 'must be MICROPAY',
      location: 'body',
    });
  }
  const authCodeHash = sha256(body.payer.auth_code);
  const fingerprint = fingerprintOf(body, authCodeHash);
  const existing = context.records.order(body.sub_mchid, body.out_trade_no);
  if (existing !== undefined) {
    // §5.1: a new out_trade_no whenever the auth code or anything else changes.
    return existing.fingerprint === fingerprint
      ? representOrder(context, existing)
      : errorReply(403, 'OUT_TRADE_NO_USED', 'out_trade_no was already used with different parameters');
  }
  if (context.records.orderByAuthCode(authCodeHash) !== undefined) {
    return errorReply(400, 'INVALID_REQUEST', 'this auth code was already used for another out_trade_no');
  }
  const scenario = scenarioOf(body.payer.auth_code);
  if (scenario === undefined) {
    return errorReply(400, 'AUTH_CODE_INVALID', 'invalid payment code: scan an 18-digit code starting 10-15');
  }
  const outcome = effectiveOutcome(context, scenario.outcome, body.amount.total);
  const createdAt = context.time.now();
  const order: Order = {
    id: newTransactionId(context),
    spMchid: body.sp_mchid,
    spAppid: body.sp_appid,
    subMchid: body.sub_mchid,
    ...(body.sub_appid === undefined ? {} : { subAppid: body.sub_appid }),
    outTradeNo: body.out_trade_no,
    description: body.description,
    ...(body.attach === undefined ? {} : { attach: body.attach }),
    ...(body.scene_info?.device_id === undefined ? {} : { deviceId: body.scene_info.device_id }),
    total: body.amount.total,
    currency: body.amount.currency,
    authCodeHash,
    fingerprint,
    scenario: scenario.code,
    createdAt,
    tradeState: 'NOTPAY',
    refusesReverseWhilePaying: outcome.kind === 'paying' && outcome.refusesReverseWhilePaying,
    openid: `oSandbox${authCodeHash.slice(0, 20)}`,
  };
  const save = (): void => {
    context.records.saveOrder(order);
    if (order.pending !== undefined) context.active.orders.add(order.id);
  };
  switch (outcome.kind) {
    case 'success':
      markPaid(context, order, createdAt);
      save();
      return representOrder(context, order);
    case 'paying':
      payingUntil(order, outcome.afterSeconds, outcome.to);
      save();
      return representOrder(context, order);
    case 'rejected':
      if (outcome.createsOrder) {
        order.tradeState = 'PAYERROR';
        save();
      }
      return errorReply(outcome.status, outcome.code, outcome.message);
    case 'failure':
      if (outcome.createsOrder) {
        if (outcome.afterSeconds === 0) markPaid(context, order, createdAt);
        else payingUntil(order, outcome.afterSeconds, 'SUCCESS');
        save();
      }
      return outcome.html === true
        ? {
            status: outcome.status,
            body: Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>'),
            contentType: 'text/html',
            signature: 'none',
          }
        : errorReply(
            outcome.status,
            outcome.code,
            'system error: query the order before doing anything else',
          );
    case 'hang':
      markPaid(context, order, createdAt);
      save();
      return { ...representOrder(context, order), hang: true };
    case 'badlySigned':
      markPaid(context, order, createdAt);
      save();
      return jsonReply(200, transactionView(order), outcome.signature);
  }
};

export const findOrder = (context: EngineContext, subMchid: string, lookup: OrderLookup): Order | Reply => {
  if ('outTradeNo' in lookup) return context.records.order(subMchid, lookup.outTradeNo) ?? notFound();
  const order = context.records.orderById(lookup.id);
  if (order === undefined) return notFound();
  if (order.subMchid !== subMchid)
    return errorReply(400, 'INVALID_REQUEST', 'sub_mchid does not match the order');
  return order;
};

const isReply = (value: Order | Reply): value is Reply => 'status' in value;

export const queryOrder = (
  context: EngineContext,
  spMchid: string,
  subMchid: string,
  lookup: OrderLookup,
): Reply => {
  const refused = checkInstitution(context, spMchid);
  if (refused !== undefined) return refused;
  const found = findOrder(context, subMchid, lookup);
  return isReply(found) ? found : jsonReply(200, transactionView(found));
};

/**
 * The reverse endpoint, with the faults injected through the control API: an injected error
 * answers 500 before anything is done; an injected hang does the reverse and never answers.
 */
export const reverse = (
  context: EngineContext,
  spMchid: string,
  subMchid: string,
  lookup: OrderLookup,
): Reply => {
  const faults = context.controls.reverseFaults;
  if (faults !== undefined && faults.errors > 0) {
    faults.errors -= 1;
    return {
      ...errorReply(500, 'SYSTEM_ERROR', 'injected reverse error: nothing was done'),
      fault: 'reverse-error',
    };
  }
  const reply = reverseNow(context, spMchid, subMchid, lookup);
  if (faults !== undefined && faults.hangs > 0) {
    faults.hangs -= 1;
    return { ...reply, hang: true, fault: 'reverse-hang' };
  }
  return reply;
};

/** §5.3: only ≥ 15 s after creation and within 7 days; a paid order is refunded, then REVOKED. */
const reverseNow = (
  context: EngineContext,
  spMchid: string,
  subMchid: string,
  lookup: OrderLookup,
): Reply => {
  const refused = checkInstitution(context, spMchid);
  if (refused !== undefined) return refused;
  const found = findOrder(context, subMchid, lookup);
  if (isReply(found)) return found;
  const order = found;
  const now = context.time.now();
  const age = now - order.createdAt;
  if (age < REVERSE_EARLIEST_MS) {
    return errorReply(400, 'INVALID_REQUEST', 'revoke is allowed only 15 s or more after the payment call');
  }
  if (age > REVERSE_LATEST_MS) {
    return errorReply(400, 'INVALID_REQUEST', 'orders older than 7 days cannot be revoked: refund instead');
  }
  switch (order.tradeState) {
    case 'REVOKED':
      return noContent();
    case 'CLOSED':
      return errorReply(400, 'ORDER_CLOSED', 'the order is closed');
    case 'USERPAYING':
      if (order.refusesReverseWhilePaying) {
        return errorReply(400, 'TRADE_ERROR', 'cancellation cannot be performed during payment: retry later');
      }
      break;
    case 'SUCCESS':
    case 'REFUND': {
      const committed = context.records
        .refundsOfOrder(order.id)
        .filter((r) => r.status !== 'REFUNDCLOSE')
        .reduce((sum, r) => sum + r.refund, 0);
      const remainder = order.total - committed;
      if (remainder > 0) {
        context.records.appendLedger({
          at: now,
          subMchid: order.subMchid,
          currency: order.currency,
          kind: 'REFUND',
          amount: remainder,
          fee: 0,
          transactionId: order.id,
          outTradeNo: order.outTradeNo,
          cause: 'REVERSAL',
        });
      }
      break;
    }
    case 'NOTPAY':
    case 'PAYERROR':
      break;
  }
  order.tradeState = 'REVOKED';
  delete order.pending;
  context.records.saveOrder(order);
  return noContent();
};

/** §5.4: for completeness; Quick Pay closes by reverse. */
export const closeOrder = (
  context: EngineContext,
  spMchid: string,
  subMchid: string,
  lookup: OrderLookup,
): Reply => {
  const refused = checkInstitution(context, spMchid);
  if (refused !== undefined) return refused;
  const found = findOrder(context, subMchid, lookup);
  if (isReply(found)) return found;
  switch (found.tradeState) {
    case 'SUCCESS':
    case 'REFUND':
      return errorReply(400, 'ORDER_PAID', 'the order is paid: refund instead');
    case 'REVOKED':
      return errorReply(400, 'ORDER_CLOSED', 'the order is already revoked');
    case 'CLOSED':
      return noContent();
    default:
      found.tradeState = 'CLOSED';
      delete found.pending;
      context.records.saveOrder(found);
      return noContent();
  }
};
