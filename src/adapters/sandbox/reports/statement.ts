import { createHash } from 'node:crypto';
import type { Records } from '../state/records';
import type { LedgerEntry, Order } from '../model/types';
import { exchangeRate, payerAmount } from '../model/views';
import { gmt8DateTime, gmt8DayStart } from '../time';

/**
 * The daily statement (reference §5.8), generated from the ledger: one detail row per payment or
 * refund recorded that GMT+8 day, then one summary row per currency. Layout: header rows plain,
 * data rows with every value backtick-prefixed, the summary header marking the end of the details.
 * The detail header is the one WeChat's Global page prints (38 columns), in English or Chinese
 * (docs/sandbox.md, "Statements"); the sandbox keeps its own copy of the names, never the client's.
 */

export type StatementHeaderLanguage = 'en' | 'zh';

/** Each column as [English, Chinese], in the official order. */
const COLUMNS = [
  ['Transaction time', '交易时间'],
  ['Official Account ID', '公众账号ID'],
  ['Vendor ID', '商户号'],
  ['Sub vendor ID', '子商户号'],
  ['Device No.', '设备号'],
  ['WeChat order No.', '微信订单号'],
  ['Vendor order No.', '商户订单号'],
  ['User identifier', '用户标识'],
  ['Transaction type', '交易类型'],
  ['Transaction status', '交易状态'],
  ['Payment bank', '付款银行'],
  ['Top-up voucher currency', '充值券币种'],
  ['Top-up voucher amount', '充值券金额'],
  ['Coupon currency', '优惠券币种'],
  ['Coupon amount', '优惠券金额'],
  ['WeChat refund No.', '微信退款单号'],
  ['Vendor refund No.', '商户退款单号'],
  ['Refund type', '退款类型'],
  ['Refund status', '退款状态'],
  ['Product name', '商品名称'],
  ['Vendor data package', '商户数据包'],
  ['Fee', '手续费'],
  ['Rate', '费率'],
  ['Pricing currency', '标价币种'],
  ['Order amount (pricing currency)', '订单金额(标价币种)'],
  ['Payer currency', '用户支付币种'],
  ['Payer amount', '用户支付金额'],
  ['Settlement currency', '结算币种'],
  ['Settlement amount', '应结订单金额'],
  ['Payment exchange rate', '支付汇率'],
  ['Refund exchange rate', '退款汇率'],
  ['Requested refund amount', '申请退款金额'],
  ['Payer refund currency', '用户退款币种'],
  ['Payer refund amount', '用户退款金额'],
  ['Refund settlement currency', '退款结算币种'],
  ['Refund settlement amount', '退款应结订单金额'],
  ['Top-up voucher refund amount', '充值券退款金额'],
  ['Coupon refund amount', '优惠券退款金额'],
] as const;

type Column = (typeof COLUMNS)[number][0];

/** The summary is not spelled out on the Global page: names follow WeChat's other bills. */
const SUMMARY_COLUMNS = [
  ['Currency type', '币种'],
  ['Total transaction count', '总交易单数'],
  ['Total amount', '订单总金额'],
  ['Total refund amount', '申请退款总金额'],
  ['Total fee', '手续费总金额'],
] as const;

export const statementHeader = (language: StatementHeaderLanguage): readonly string[] =>
  COLUMNS.map(([en, zh]) => (language === 'en' ? en : zh));

const summaryHeader = (language: StatementHeaderLanguage): readonly string[] =>
  SUMMARY_COLUMNS.map(([en, zh]) => (language === 'en' ? en : zh));

const ZERO_EXPONENT = new Set(['JPY', 'KRW', 'VND']);

/** Decimal major units, as WeChat prints them (`12.34` HKD, `1200` JPY). */
export const majorUnits = (minor: number, currency: string): string =>
  ZERO_EXPONENT.has(currency)
    ? String(minor)
    : `${minor < 0 ? '-' : ''}${(Math.abs(minor) / 100).toFixed(2)}`;

/** A value may hold commas (the separator is ",`") but not line breaks. */
const clean = (value: string): string => value.replace(/[\r\n]+/g, ' ');

const row = (values: readonly string[]): string => values.map((v) => `\`${clean(v)}`).join(',');

type DetailRow = Readonly<Record<Column, string>>;

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
  const rate = String(exchangeRate(currency));
  return {
    'Transaction time': gmt8DateTime(entry.at),
    'Official Account ID': spAppid,
    'Vendor ID': spMchid,
    'Sub vendor ID': entry.subMchid,
    'Device No.': order?.deviceId ?? '',
    'WeChat order No.': entry.transactionId,
    'Vendor order No.': entry.outTradeNo,
    'User identifier': order?.openid ?? '',
    'Transaction type': 'MICROPAY',
    'Transaction status': isPayment ? 'SUCCESS' : 'REFUND',
    'Payment bank': 'OTHERS',
    'Top-up voucher currency': currency,
    'Top-up voucher amount': majorUnits(0, currency),
    'Coupon currency': currency,
    'Coupon amount': majorUnits(0, currency),
    'WeChat refund No.': entry.refundId ?? '',
    'Vendor refund No.': entry.outRefundNo ?? '',
    'Refund type': isPayment ? '' : entry.cause === 'REVERSAL' ? 'REVOKED' : 'ORIGINAL',
    'Refund status': isPayment ? '' : 'SUCCESS',
    'Product name': order?.description ?? '',
    'Vendor data package': order?.attach ?? '',
    Fee: majorUnits(entry.fee, currency),
    Rate: feeRate,
    'Pricing currency': currency,
    'Order amount (pricing currency)': majorUnits(isPayment ? entry.amount : 0, currency),
    'Payer currency': 'CNY',
    'Payer amount': majorUnits(isPayment ? payerAmount(entry.amount, currency) : 0, 'CNY'),
    'Settlement currency': currency,
    'Settlement amount': majorUnits(isPayment ? settlement : 0, currency),
    'Payment exchange rate': rate,
    'Refund exchange rate': isPayment ? '' : rate,
    'Requested refund amount': majorUnits(isPayment ? 0 : entry.amount, currency),
    'Payer refund currency': isPayment ? '' : 'CNY',
    'Payer refund amount': isPayment ? '' : majorUnits(payerAmount(entry.amount, currency), 'CNY'),
    'Refund settlement currency': isPayment ? '' : currency,
    'Refund settlement amount': isPayment ? '' : majorUnits(settlement, currency),
    'Top-up voucher refund amount': majorUnits(0, currency),
    'Coupon refund amount': majorUnits(0, currency),
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
  /** Header language; default English. */
  readonly header?: StatementHeaderLanguage;
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
  const language = request.header ?? 'en';
  const lines = [
    statementHeader(language).join(','),
    ...details.map((d) => row(COLUMNS.map(([column]) => d[column]))),
    summaryHeader(language).join(','),
    ...summaries,
  ];
  const csv = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  return { csv, sha1: createHash('sha1').update(csv).digest('hex'), rowCount: entries.length };
};
