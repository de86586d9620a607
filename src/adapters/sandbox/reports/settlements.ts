import type { LedgerEntry } from '../model/types';
import { gmt8Date, gmt8DayStart } from '../time';

/**
 * Settlement batches (reference §5.9) from the ledger: the trades of one GMT+8 day settle the next
 * day, one batch per sub-merchant, currency and trade day. Trades whose settlement day has not
 * come yet are UNSETTLE.
 */

export interface SettlementBatch {
  readonly batch_id: string;
  readonly settlement_date: string;
  readonly trade_start_date: string;
  readonly trade_end_date: string;
  readonly wallet_region: 'CHINA_MAINLAND';
  readonly amount: {
    readonly settled: number;
    readonly unsettle: number;
    readonly currency: string;
    readonly pay: number;
    readonly refund: number;
    readonly net: number;
    readonly fee: number;
  };
  readonly sub_mchid: string;
}

const DAY_MS = 24 * 3600_000;

export const nextDay = (yyyymmdd: string): string => gmt8Date(gmt8DayStart(yyyymmdd) + DAY_MS);

export const settlementBatches = (
  entries: readonly LedgerEntry[],
  now: number,
): readonly SettlementBatch[] => {
  const today = gmt8Date(now);
  const groups = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const key = `${entry.subMchid}|${entry.currency}|${gmt8Date(entry.at)}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, group]) => {
      const [subMchid = '', currency = '', tradeDay = ''] = key.split('|');
      const settlementDate = nextDay(tradeDay);
      const pay = group.filter((e) => e.kind === 'PAYMENT').reduce((s, e) => s + e.amount, 0);
      const refund = group.filter((e) => e.kind === 'REFUND').reduce((s, e) => s + e.amount, 0);
      const fee = group.reduce((s, e) => s + e.fee, 0);
      const net = pay - refund - fee;
      const isSettled = settlementDate <= today;
      return {
        batch_id: `${subMchid}${tradeDay}${currency}`,
        settlement_date: settlementDate,
        trade_start_date: tradeDay,
        trade_end_date: tradeDay,
        wallet_region: 'CHINA_MAINLAND',
        amount: {
          settled: isSettled ? net : 0,
          unsettle: isSettled ? 0 : net,
          currency,
          pay,
          refund,
          net,
          fee,
        },
        sub_mchid: subMchid,
      };
    });
};
