import type { Records } from '../state/records';
import type { ActiveSet, EngineContext } from './context';
import { markPaid } from './context';
import type { Order, Refund } from './types';

/**
 * Moves orders and refunds along by themselves as business time passes: USERPAYING orders that the
 * customer completes, cancels or abandons (auto-revoke at 45 s, §7.1), and PROCESSING refunds that
 * settle (§5.5). Each transition takes effect at its own due time, not at the time it is noticed.
 */

export const advanceOrder = (context: EngineContext, order: Order, now: number): boolean => {
  const pending = order.pending;
  if (pending === undefined || pending.at > now) return false;
  if (pending.to === 'SUCCESS') {
    markPaid(context, order, pending.at);
  } else {
    order.tradeState = pending.to;
    delete order.pending;
  }
  context.records.saveOrder(order);
  return true;
};

export const advanceRefund = (context: EngineContext, refund: Refund, now: number): boolean => {
  const pending = refund.pending;
  if (pending === undefined || pending.at > now) return false;
  refund.status = pending.to;
  delete refund.pending;
  if (pending.to === 'SUCCESS') {
    refund.successTime = pending.at;
    context.records.appendLedger({
      at: pending.at,
      subMchid: refund.subMchid,
      currency: refund.currency,
      kind: 'REFUND',
      amount: refund.refund,
      fee: 0,
      transactionId: refund.transactionId,
      outTradeNo: refund.outTradeNo,
      refundId: refund.id,
      outRefundNo: refund.outRefundNo,
      cause: 'REFUND',
    });
  }
  context.records.saveRefund(refund);
  const order = context.records.orderById(refund.transactionId);
  if (order !== undefined) context.onRefundFinal(refund, order, pending.at);
  return true;
};

export const activeSetFrom = (records: Records): ActiveSet => ({
  orders: new Set(
    records
      .orders()
      .filter((o) => o.pending !== undefined)
      .map((o) => o.id),
  ),
  refunds: new Set(
    records
      .refunds()
      .filter((r) => r.pending !== undefined)
      .map((r) => r.id),
  ),
});

/** Applies every due transition, oldest first, so the ledger stays in time order. */
export const advanceAll = (context: EngineContext): void => {
  const active = context.active;
  // Called before every request: immediate payments leave nothing pending, so usually nothing to do.
  if (active.orders.size === 0 && active.refunds.size === 0) return;
  const now = context.time.now();
  const orders = [...active.orders]
    .map((id) => context.records.orderById(id))
    .filter((o): o is Order => o !== undefined && o.pending !== undefined && o.pending.at <= now)
    .sort((a, b) => (a.pending?.at ?? 0) - (b.pending?.at ?? 0));
  for (const order of orders) {
    advanceOrder(context, order, now);
    active.orders.delete(order.id);
  }
  const refunds = [...active.refunds]
    .map((id) => context.records.refundById(id))
    .filter((r): r is Refund => r !== undefined && r.pending !== undefined && r.pending.at <= now)
    .sort((a, b) => (a.pending?.at ?? 0) - (b.pending?.at ?? 0));
  for (const refund of refunds) {
    advanceRefund(context, refund, now);
    active.refunds.delete(refund.id);
  }
  for (const id of active.orders)
    if (context.records.orderById(id)?.pending === undefined) active.orders.delete(id);
  for (const id of active.refunds)
    if (context.records.refundById(id)?.pending === undefined) active.refunds.delete(id);
};
