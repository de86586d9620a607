import type { KeyValueStore } from './kv';
import type { LedgerEntry, Order, Refund } from '../model/types';

/**
 * Typed access to the sandbox's records over a key-value store. Documents are written only by the
 * sandbox itself, so they are read back with a cast rather than decoded.
 */
export interface Records {
  readonly order: (subMchid: string, outTradeNo: string) => Order | undefined;
  readonly orderById: (id: string) => Order | undefined;
  readonly orderByAuthCode: (authCodeHash: string) => Order | undefined;
  readonly saveOrder: (order: Order) => void;
  readonly orders: () => readonly Order[];
  readonly refund: (subMchid: string, outRefundNo: string) => Refund | undefined;
  readonly refundById: (id: string) => Refund | undefined;
  readonly saveRefund: (refund: Refund) => void;
  readonly refunds: () => readonly Refund[];
  readonly refundsOfOrder: (transactionId: string) => readonly Refund[];
  readonly appendLedger: (entry: Omit<LedgerEntry, 'seq'>) => LedgerEntry;
  readonly ledger: () => readonly LedgerEntry[];
  readonly nextSequence: (name: string) => number;
  readonly close: () => void;
}

const orderKey = (subMchid: string, outTradeNo: string): string => `${subMchid}:${outTradeNo}`;

export const records = (kv: KeyValueStore): Records => {
  // Only this object writes the counters, so the last value written is the stored one: no read back.
  const sequences = new Map<string, number>();
  const nextSequence = (name: string): number => {
    const next = (sequences.get(name) ?? (kv.get('sequence', name) as number | undefined) ?? 0) + 1;
    sequences.set(name, next);
    kv.put('sequence', name, next);
    return next;
  };
  const byIndex = <A>(kind: string, indexKind: string, id: string): A | undefined => {
    const key = kv.get(indexKind, id) as string | undefined;
    return key === undefined ? undefined : (kv.get(kind, key) as A | undefined);
  };
  const refunds = (): readonly Refund[] => kv.list('refund') as readonly Refund[];
  return {
    order: (subMchid, outTradeNo) => kv.get('order', orderKey(subMchid, outTradeNo)) as Order | undefined,
    orderById: (id) => byIndex<Order>('order', 'order-id', id),
    orderByAuthCode: (hash) => byIndex<Order>('order', 'order-auth-code', hash),
    saveOrder: (order) => {
      const key = orderKey(order.subMchid, order.outTradeNo);
      kv.put('order', key, order);
      kv.put('order-id', order.id, key);
      kv.put('order-auth-code', order.authCodeHash, key);
    },
    orders: () => kv.list('order') as readonly Order[],
    refund: (subMchid, outRefundNo) =>
      kv.get('refund', orderKey(subMchid, outRefundNo)) as Refund | undefined,
    refundById: (id) => byIndex<Refund>('refund', 'refund-id', id),
    saveRefund: (refund) => {
      const key = orderKey(refund.subMchid, refund.outRefundNo);
      kv.put('refund', key, refund);
      kv.put('refund-id', refund.id, key);
    },
    refunds,
    refundsOfOrder: (transactionId) =>
      refunds()
        .filter((r) => r.transactionId === transactionId)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
    appendLedger: (entry) => {
      const seq = nextSequence('ledger');
      const full: LedgerEntry = { ...entry, seq };
      kv.put('ledger', String(seq).padStart(12, '0'), full);
      return full;
    },
    ledger: () => kv.list('ledger') as readonly LedgerEntry[],
    nextSequence,
    close: () => kv.close(),
  };
};
