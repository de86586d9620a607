import type { ReconciliationLine } from './events';

/**
 * Row-by-row matching of a day's statement (reference §5.8) against our records. Pure: the caller
 * loads our payments and refunds of that day (and any record a row names) and the statement rows.
 */

/** The statement columns matching needs (the gateway's StatementRow has these and more). */
export interface StatementLine {
  readonly subMchid: string;
  readonly transactionId: string;
  readonly outTradeNo: string;
  readonly tradeState: string;
  readonly refundId: string;
  readonly outRefundNo: string;
  readonly refundType: string;
  readonly refundStatus: string;
  readonly currency: string;
  readonly orderAmount: number;
  readonly refundAmount: number;
}

interface Amount {
  readonly amount: number;
  readonly currency: string;
}

/** Our payment as the `payments` read model holds it (statuses in the merchant API's vocabulary). */
export interface OurPayment {
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly transactionId?: string;
  readonly status: string;
  readonly amount: Amount;
  readonly paidAmount?: Amount;
  /** WeChat reported it paid at some point, even if it was reversed (refunded) afterwards. */
  readonly wasPaid?: boolean;
}

export interface OurRefund {
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly outRefundNo: string;
  readonly refundId?: string;
  readonly transactionId?: string;
  readonly status: string;
  readonly amount: Amount;
}

const key = (subMchid: string, id: string): string => `${subMchid}:${id}`;
const present = (s: string | undefined): s is string => s !== undefined && s !== '';

/** A refund row with no refund numbers and type REVOKED: the money a reverse of a paid order returned (§5.3). */
const isReversalRow = (row: StatementLine): boolean =>
  !present(row.refundId) && !present(row.outRefundNo) && row.refundType === 'REVOKED';

const isRefundRow = (row: StatementLine): boolean =>
  present(row.refundId) || present(row.outRefundNo) || row.tradeState === 'REFUND' || row.refundAmount > 0;

/** Statement trade states that mean the customer paid (REFUND: paid, and a refund exists). */
const paymentAgrees = (theirs: string, ours: OurPayment): boolean => {
  switch (theirs) {
    case 'SUCCESS':
    case 'REFUND':
      // A paid order reversed afterwards is still a payment of that day; the reverse shows as a refund row.
      return ours.status === 'SUCCEEDED' || (ours.status === 'REVERSED' && ours.wasPaid === true);
    case 'REVOKED':
      return ours.status === 'REVERSED';
    default:
      return false;
  }
};

/** Query answers say REFUNDCLOSE and notifications CLOSED (reference §6); both mean closed. */
const REFUND_STATUS: Readonly<Record<string, string>> = {
  SUCCESS: 'SUCCEEDED',
  PROCESSING: 'PROCESSING',
  REFUNDCLOSE: 'CLOSED',
  CLOSED: 'CLOSED',
  ABNORMAL: 'ABNORMAL',
};

const classify = (
  ours: { readonly amount: Amount },
  theirs: Amount,
  statusAgrees: boolean,
): ReconciliationLine['classification'] =>
  ours.amount.amount !== theirs.amount || ours.amount.currency !== theirs.currency
    ? 'amount_mismatch'
    : statusAgrees
      ? 'matched'
      : 'status_mismatch';

const ids = (fields: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => present(entry[1])));

export const matchStatement = (
  rows: readonly StatementLine[],
  ours: { readonly payments: readonly OurPayment[]; readonly refunds: readonly OurRefund[] },
): ReconciliationLine[] => {
  const paymentsByTransaction = new Map<string, OurPayment>();
  const paymentsByNumber = new Map<string, OurPayment>();
  for (const p of ours.payments) {
    if (present(p.transactionId)) paymentsByTransaction.set(key(p.subMchid, p.transactionId), p);
    paymentsByNumber.set(key(p.subMchid, p.outTradeNo), p);
  }
  const refundsById = new Map<string, OurRefund>();
  const refundsByNumber = new Map<string, OurRefund>();
  for (const r of ours.refunds) {
    if (present(r.refundId)) refundsById.set(key(r.subMchid, r.refundId), r);
    refundsByNumber.set(key(r.subMchid, r.outRefundNo), r);
  }
  const findPayment = (row: StatementLine): OurPayment | undefined =>
    (present(row.transactionId)
      ? paymentsByTransaction.get(key(row.subMchid, row.transactionId))
      : undefined) ??
    (present(row.outTradeNo) ? paymentsByNumber.get(key(row.subMchid, row.outTradeNo)) : undefined);
  const findRefund = (row: StatementLine): OurRefund | undefined =>
    (present(row.refundId) ? refundsById.get(key(row.subMchid, row.refundId)) : undefined) ??
    (present(row.outRefundNo) ? refundsByNumber.get(key(row.subMchid, row.outRefundNo)) : undefined);

  const seenPayments = new Set<OurPayment>();
  const seenRefunds = new Set<OurRefund>();
  const lines: ReconciliationLine[] = [];

  for (const row of rows) {
    const rowIds = ids({ outTradeNo: row.outTradeNo, transactionId: row.transactionId });
    if (isReversalRow(row)) {
      const p = findPayment(row);
      const theirs = { amount: row.refundAmount, currency: row.currency, status: 'REVOKED' };
      const paid = p ? (p.paidAmount ?? p.amount) : undefined;
      lines.push({
        kind: 'refund',
        subMchid: row.subMchid,
        ...rowIds,
        theirs,
        ...(p && paid
          ? {
              classification: classify({ amount: paid }, theirs, p.status === 'REVERSED'),
              ours: { ...paid, status: p.status },
            }
          : { classification: 'missing_here' as const }),
      });
    } else if (isRefundRow(row)) {
      const r = findRefund(row);
      const theirs = { amount: row.refundAmount, currency: row.currency, status: row.refundStatus };
      if (r) seenRefunds.add(r);
      lines.push({
        kind: 'refund',
        subMchid: row.subMchid,
        ...rowIds,
        ...ids({ outRefundNo: row.outRefundNo || r?.outRefundNo, refundId: row.refundId || r?.refundId }),
        theirs,
        ...(r
          ? {
              classification: classify(r, theirs, REFUND_STATUS[row.refundStatus] === r.status),
              ours: { ...r.amount, status: r.status },
            }
          : { classification: 'missing_here' as const }),
      });
    } else {
      const p = findPayment(row);
      const theirs = { amount: row.orderAmount, currency: row.currency, status: row.tradeState };
      if (p) seenPayments.add(p);
      const paid = p ? (p.paidAmount ?? p.amount) : undefined;
      lines.push({
        kind: 'payment',
        subMchid: row.subMchid,
        ...rowIds,
        ...ids({ outTradeNo: row.outTradeNo || p?.outTradeNo }),
        theirs,
        ...(p && paid
          ? {
              classification: classify({ amount: paid }, theirs, paymentAgrees(row.tradeState, p)),
              ours: { ...paid, status: p.status },
            }
          : { classification: 'missing_here' as const }),
      });
    }
  }

  for (const p of ours.payments) {
    if (seenPayments.has(p)) continue;
    const paid = p.paidAmount ?? p.amount;
    lines.push({
      kind: 'payment',
      classification: 'missing_at_wechat',
      subMchid: p.subMchid,
      ...ids({ outTradeNo: p.outTradeNo, transactionId: p.transactionId }),
      ours: { ...paid, status: p.status },
    });
  }
  for (const r of ours.refunds) {
    if (seenRefunds.has(r)) continue;
    lines.push({
      kind: 'refund',
      classification: 'missing_at_wechat',
      subMchid: r.subMchid,
      ...ids({
        outTradeNo: r.outTradeNo,
        transactionId: r.transactionId,
        outRefundNo: r.outRefundNo,
        refundId: r.refundId,
      }),
      ours: { ...r.amount, status: r.status },
    });
  }
  return lines;
};
