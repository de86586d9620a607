import { CurrencyCodec, MinorUnitsCodec, format } from '../../domain';
import { RECONCILIATION_CLASSES } from '../../domain/reconciliation';
import type { ReconciliationLine, ReconciliationView } from '../../ports';

/** Major units for people (`25.00 HKD`); a currency we do not know stays in minor units. */
const side = (s: ReconciliationLine['ours']): string => {
  if (s === undefined) return '-';
  const money = { amount: s.amount, currency: s.currency };
  const amount =
    CurrencyCodec.is(money.currency) && MinorUnitsCodec.is(money.amount)
      ? format({ amount: money.amount, currency: money.currency })
      : `${s.amount} ${s.currency} (minor units)`;
  return `${amount} ${s.status}`;
};

const pad = (rows: readonly (readonly string[])[]): string[] => {
  const widths = rows.reduce<number[]>(
    (w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    [],
  );
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
};

/**
 * A table for the CLI: a header with the counts, then one line per row of the statement or record
 * of ours, differences first.
 */
export const formatReconciliation = (view: ReconciliationView): string => {
  const counts = RECONCILIATION_CLASSES.map((c) => `${c} ${view.counts[c]}`).join(', ');
  const sha1 = view.statementSha1 === '' ? 'no statement' : `statement sha1 ${view.statementSha1}`;
  const order = (l: ReconciliationLine): number => (l.classification === 'matched' ? 1 : 0);
  const lines = [...view.lines].sort((a, b) => order(a) - order(b));
  const table = pad([
    ['CLASS', 'KIND', 'SUB_MCHID', 'OUT_TRADE_NO', 'OUT_REFUND_NO', 'WECHAT ID', 'OURS', 'THEIRS'],
    ...lines.map((l) => [
      l.classification,
      l.kind,
      l.subMchid,
      l.outTradeNo ?? '-',
      l.outRefundNo ?? '-',
      l.refundId ?? l.transactionId ?? '-',
      side(l.ours),
      side(l.theirs),
    ]),
  ]);
  const unknown =
    view.unknownColumns !== undefined && view.unknownColumns.length > 0
      ? [`statement columns this client does not know (kept, not matched): ${view.unknownColumns.join(', ')}`]
      : [];
  return [
    `Reconciliation ${view.spMchid} ${view.date} at ${view.reconciledAt} (${sha1})`,
    counts,
    ...unknown,
    ...table,
  ].join('\n');
};
