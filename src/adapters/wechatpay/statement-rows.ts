import * as E from 'fp-ts/Either';
import type { StatementRow } from '../../ports/wechat-pay-gateway';
import { parseMajorUnits } from './amounts';
import {
  STATEMENT_VALUE_PREFIX,
  STATEMENT_VALUE_SEPARATOR,
  normalizeColumnName,
  spellings,
  type StatementColumn,
  type StatementField,
  type StatementSummaryField,
} from './statement-format';

/** One line of the statement CSV into typed values (layout in `statement-format.ts`, reference §5.8). */

export type DetailField = StatementField;
export type SummaryField = StatementSummaryField;

/** Where each wanted column sits in a header row, found by name; -1 for an absent optional one. */
export interface Layout<K extends string> {
  readonly header: readonly string[];
  readonly index: Readonly<Record<K, number>>;
  /** Header names that match no known column: kept in `raw`, reported to the operator. */
  readonly unknown: readonly string[];
}

/**
 * Finds every wanted column by any of its spellings, in any order. Every required column that is
 * missing is named in one message, in English and Chinese, with the header as printed.
 */
export const layoutOf = <K extends string>(
  line: string,
  wanted: Readonly<Record<K, StatementColumn>>,
  alsoKnown: readonly StatementColumn[] = [],
): E.Either<string, Layout<K>> => {
  const header = line.split(',');
  const positions = new Map<string, number>();
  header.forEach((name, i) => {
    const spelling = normalizeColumnName(name);
    if (!positions.has(spelling)) positions.set(spelling, i);
  });
  const index: Partial<Record<K, number>> = {};
  const used = new Set<number>();
  const missing: string[] = [];
  for (const [field, column] of Object.entries(wanted) as [K, StatementColumn][]) {
    const at = spellings(column)
      .map((s) => positions.get(s))
      .find((i) => i !== undefined);
    if (at !== undefined) used.add(at);
    if (at === undefined && column.required) missing.push(`"${column.en}" (${column.zh})`);
    index[field] = at ?? -1;
  }
  if (missing.length > 0) {
    return E.left(
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header was: ${header.join(',').slice(0, 2000)}`,
    );
  }
  const known = new Set(alsoKnown.flatMap(spellings));
  const unknown = header.filter((name, i) => !used.has(i) && !known.has(normalizeColumnName(name)));
  return E.right({ header, index: index as Record<K, number>, unknown });
};

export interface Totals {
  readonly count: number;
  readonly orderAmount: number;
  readonly refundAmount: number;
  readonly fee: number;
}

export interface SummaryLine {
  readonly currency: string;
  readonly totals: Totals;
  readonly raw: Readonly<Record<string, string>>;
}

const valuesOf = <K extends string>(line: string, layout: Layout<K>) => {
  const values = line.slice(STATEMENT_VALUE_PREFIX.length).split(STATEMENT_VALUE_SEPARATOR);
  if (values.length !== layout.header.length)
    return E.left(`${values.length} values under ${layout.header.length} columns`);
  return E.right({
    get: (field: K): string => values[layout.index[field]] ?? '',
    /** The column's name as this file prints it, for messages. */
    name: (field: K): string => layout.header[layout.index[field]] ?? field,
    raw: Object.fromEntries(layout.header.map((name, i) => [name, values[i] ?? ''])),
  });
};

const amount = (text: string, currency: string, column: string, allowNegative: boolean) =>
  E.mapLeft((e: string) => `${column}: ${e}`)(parseMajorUnits(text, currency, { allowNegative }));

export const detailRow = (line: string, layout: Layout<DetailField>): E.Either<string, StatementRow> => {
  const parsed = valuesOf(line, layout);
  if (E.isLeft(parsed)) return parsed;
  const { get, name, raw } = parsed.right;
  const currency = get('currency');
  const orderAmount = amount(get('orderAmount'), currency, name('orderAmount'), false);
  const refundAmount = amount(get('refundAmount'), currency, name('refundAmount'), false);
  // A refund gives part of the fee back, printed negative (docs/wechatpay-client.md).
  const fee = amount(get('fee'), currency, name('fee'), true);
  if (E.isLeft(orderAmount)) return orderAmount;
  if (E.isLeft(refundAmount)) return refundAmount;
  if (E.isLeft(fee)) return fee;
  return E.right({
    tradeTime: get('tradeTime'),
    appId: get('appId'),
    mchid: get('mchid'),
    subMchid: get('subMchid'),
    deviceId: get('deviceId'),
    transactionId: get('transactionId'),
    outTradeNo: get('outTradeNo'),
    openid: get('openid'),
    tradeType: get('tradeType'),
    tradeState: get('tradeState'),
    bankType: get('bankType'),
    refundId: get('refundId'),
    outRefundNo: get('outRefundNo'),
    refundType: get('refundType'),
    refundStatus: get('refundStatus'),
    goodsName: get('goodsName'),
    attach: get('attach'),
    currency,
    orderAmount: orderAmount.right,
    refundAmount: refundAmount.right,
    fee: fee.right,
    feeRate: get('feeRate'),
    raw,
  });
};

export const summaryRow = (line: string, layout: Layout<SummaryField>): E.Either<string, SummaryLine> => {
  const parsed = valuesOf(line, layout);
  if (E.isLeft(parsed)) return parsed;
  const { get, name, raw } = parsed.right;
  const currency = get('currency');
  const count = get('totalCount');
  if (!/^[0-9]+$/.test(count)) return E.left(`${name('totalCount')}: not a count`);
  const orderAmount = amount(get('orderAmount'), currency, name('orderAmount'), false);
  const refundAmount = amount(get('refundAmount'), currency, name('refundAmount'), false);
  const fee = amount(get('fee'), currency, name('fee'), true);
  if (E.isLeft(orderAmount)) return orderAmount;
  if (E.isLeft(refundAmount)) return refundAmount;
  if (E.isLeft(fee)) return fee;
  return E.right({
    currency,
    totals: {
      count: Number(count),
      orderAmount: orderAmount.right,
      refundAmount: refundAmount.right,
      fee: fee.right,
    },
    raw,
  });
};

export const addRow = (totals: Totals | undefined, row: StatementRow): Totals => ({
  count: (totals?.count ?? 0) + 1,
  orderAmount: (totals?.orderAmount ?? 0) + row.orderAmount,
  refundAmount: (totals?.refundAmount ?? 0) + row.refundAmount,
  fee: (totals?.fee ?? 0) + row.fee,
});

/** The summary is WeChat's own check on the file: rows that disagree with it mean a corrupt download. */
export const compareTotals = (
  details: ReadonlyMap<string, Totals>,
  summaries: readonly SummaryLine[],
): string | undefined => {
  const currencies = new Set([...details.keys(), ...summaries.map((s) => s.currency)]);
  for (const currency of currencies) {
    const d = details.get(currency) ?? { count: 0, orderAmount: 0, refundAmount: 0, fee: 0 };
    const s = summaries.find((x) => x.currency === currency)?.totals;
    if (s === undefined) return `no summary row for ${currency}`;
    for (const k of ['count', 'orderAmount', 'refundAmount', 'fee'] as const) {
      if (d[k] !== s[k]) return `summary ${k} for ${currency} is ${s[k]}, the rows add up to ${d[k]}`;
    }
  }
  return undefined;
};
