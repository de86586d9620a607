import { createHash } from 'node:crypto';
import type { Records } from '../state/records';
import type { LedgerEntry, Order } from '../model/types';
import { exchangeRate, payerAmount } from '../model/views';
import { gmt8DateTime, gmt8DayStart } from '../time';

/**
 * The daily statement (reference §5.8), generated from the ledger: one detail row per payment or
 * refund recorded that GMT+8 day, then one summary row per currency. Layout: header rows plain,
 * data rows with every value backtick-prefixed, the summary header marking the end of the details.
 * The column names are the ones the project's client reads (docs/sandbox.md, "Statements").
 */

const DETAIL_HEADER = [
  'Transaction time',
  'Official account ID',
  'Vendor ID',
  'Sub vendor ID',
  'Device ID',
  'WeChat order number',
  'Vendor order number',
  'User tag',
  'Transaction type',
  'Transaction status',
  'Payment bank',
  'Currency type',
  'Total amount',
  'WeChat refund number',
  'Vendor refund number',
  'Refund amount',
  'Refund type',
  'Refund status',
  'Product name',
  "Vendor's data package",
  'Fee',
  'Rate',
  'Coupon amount',
  'Coupon refund amount',
  'Cash currency type',
  'Cash fee',
  'Settlement currency type',
  'Settlement amount',
  'Exchange rate',
  'Refund exchange rate',
] as const;

const SUMMARY_HEADER = [
  'Currency type',
  'Total transaction count',
  'Total amount',
  'Total refund amount',
  'Total fee',
];

const ZERO_EXPONENT = new Set(['JPY', 'KRW', 'VND']);

/** Decimal major units, as WeChat prints them (`12.34` HKD, `1200` JPY). */
export const majorUnits = (minor: number, currency: string): string =>
  ZERO_EXPONENT.has(currency)
    ? String(minor)
    : `${minor < 0 ? '-' : ''}${(Math.abs(minor) / 100).toFixed(2)}`;

/** A value may hold commas (the separator is ",`") but not line breaks. */
const clean = (value: string): string => value.replace(/[\r\n]+/g, ' ');

const row = (values: readonly string[]): string => values.map((v) => `\`${clean(v)}`).join(',');

type DetailRow = Readonly<Record<(typeof DETAIL_HEADER)[number], string>>;

const detail = (
  entry: LedgerEntry,
  order: Order | undefined,
  spAppid: string,
  spMchid: string,
  feeRate: string,
): DetailRow => {
  const isPayment = entry.kind === 'PAYMENT';
  const currency = entry.currency;
  const settlement = isPayment ? entry.amount - entry.fee : -entry.amount;
  return {
    'Transaction time': gmt8DateTime(entry.at),
    'Official account ID': spAppid,
    'Vendor ID': spMchid,
    'Sub vendor ID': entry.subMchid,
    'Device ID': order?.deviceId ?? '',
    'WeChat order number': entry.transactionId,
    'Vendor order number': entry.outTradeNo,
    'User tag': order?.openid ?? '',
    'Transaction type': 'MICROPAY',
    'Transaction status': isPayment ? 'SUCCESS' : 'REFUND',
    'Payment bank': 'OTHERS',
    'Currency type': currency,
    'Total amount': majorUnits(isPayment ? entry.amount : 0, currency),
    'WeChat refund number': entry.refundId ?? '',
    'Vendor refund number': entry.outRefundNo ?? '',
    'Refund amount': majorUnits(isPayment ? 0 : entry.amount, currency),
    'Refund type': isPayment ? '' : entry.cause === 'REVERSAL' ? 'REVOKED' : 'ORIGINAL',
    'Refund status': isPayment ? '' : 'SUCCESS',
    'Product name': order?.description ?? '',
    "Vendor's data package": order?.attach ?? '',
    Fee: majorUnits(entry.fee, currency),
    Rate: feeRate,
    'Coupon amount': majorUnits(0, currency),
    'Coupon refund amount': majorUnits(0, currency),
    'Cash currency type': 'CNY',
    'Cash fee': majorUnits(payerAmount(entry.amount, currency), 'CNY'),
    'Settlement currency type': currency,
    'Settlement amount': majorUnits(settlement, currency),
    'Exchange rate': String(exchangeRate(currency)),
    'Refund exchange rate': isPayment ? '' : String(exchangeRate(currency)),
  };
};

export interface StatementFile {
  readonly csv: Buffer;
  readonly sha1: string;
  readonly rowCount: number;
}

export interface StatementRequest {
  readonly date: string;
  readonly subMchid?: string;
  readonly spMchid: string;
  readonly spAppid: string;
  readonly feeBasisPoints: number;
}

/** Undefined when nothing was recorded that day: apihk then answers NO_STATEMENT_EXIST. */
export const buildStatement = (records: Records, request: StatementRequest): StatementFile | undefined => {
  const start = gmt8DayStart(request.date);
  const entries = records
    .ledger()
    .filter((e) => e.at >= start && e.at < start + 24 * 3600_000)
    .filter((e) => request.subMchid === undefined || e.subMchid === request.subMchid);
  if (entries.length === 0) return undefined;
  const feeRate = `${(request.feeBasisPoints / 100).toFixed(2)}%`;
  const details = entries.map((e) =>
    detail(e, records.orderById(e.transactionId), request.spAppid, request.spMchid, feeRate),
  );
  const currencies = [...new Set(entries.map((e) => e.currency))].sort();
  const summaries = currencies.map((currency) => {
    const mine = entries.filter((e) => e.currency === currency);
    const sum = (kind: LedgerEntry['kind'], pick: (e: LedgerEntry) => number): number =>
      mine.filter((e) => e.kind === kind).reduce((total, e) => total + pick(e), 0);
    return row([
      currency,
      String(mine.length),
      majorUnits(
        sum('PAYMENT', (e) => e.amount),
        currency,
      ),
      majorUnits(
        sum('REFUND', (e) => e.amount),
        currency,
      ),
      majorUnits(
        sum('PAYMENT', (e) => e.fee),
        currency,
      ),
    ]);
  });
  const lines = [
    DETAIL_HEADER.join(','),
    ...details.map((d) => row(DETAIL_HEADER.map((column) => d[column]))),
    SUMMARY_HEADER.join(','),
    ...summaries,
  ];
  const csv = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  return { csv, sha1: createHash('sha1').update(csv).digest('hex'), rowCount: entries.length };
};
