import * as E from 'fp-ts/Either';
import type { StatementRow, StatementSummary } from '../../ports/wechat-pay-gateway';
import { parseMajorUnits } from './amounts';
import {
  STATEMENT_DETAIL_COLUMNS,
  STATEMENT_SUMMARY_COLUMNS,
  STATEMENT_VALUE_PREFIX,
  STATEMENT_VALUE_SEPARATOR,
} from './statement-format';

/**
 * Streaming parser for the backtick CSV described in `statement-format.ts` (reference §5.8):
 * text arrives in chunks of any size, lines are handled as they complete, and only typed rows are
 * kept. The first error stops parsing and is reported by `end()` with its line number.
 */

export interface ParsedStatement {
  readonly rows: readonly StatementRow[];
  readonly summary: StatementSummary;
}

export interface StatementParser {
  readonly push: (chunk: string) => void;
  readonly end: () => E.Either<string, ParsedStatement>;
}

type Columns<K extends string> = Readonly<Record<K, number>>;
type DetailField = keyof typeof STATEMENT_DETAIL_COLUMNS;
type SummaryField = keyof typeof STATEMENT_SUMMARY_COLUMNS;

const indexColumns = <K extends string>(
  header: readonly string[],
  wanted: Readonly<Record<K, string>>,
): E.Either<string, Columns<K>> => {
  const out: Partial<Record<K, number>> = {};
  for (const [field, name] of Object.entries(wanted) as [K, string][]) {
    const i = header.indexOf(name);
    if (i < 0) return E.left(`missing column ${JSON.stringify(name)}`);
    out[field] = i;
  }
  return E.right(out as Columns<K>);
};

const splitValues = (line: string): readonly string[] =>
  line.slice(STATEMENT_VALUE_PREFIX.length).split(STATEMENT_VALUE_SEPARATOR);

const rawOf = (header: readonly string[], values: readonly string[]): Record<string, string> =>
  Object.fromEntries(header.map((name, i) => [name, values[i] ?? '']));

interface Totals {
  count: number;
  orderAmount: number;
  refundAmount: number;
  fee: number;
}

export const createStatementParser = (): StatementParser => {
  let state: 'header' | 'details' | 'summary' = 'header';
  let pending = '';
  let lineNo = 0;
  let error: string | undefined;
  let detailHeader: readonly string[] = [];
  let detailCols: Columns<DetailField> | undefined;
  let summaryHeader: readonly string[] = [];
  let summaryCols: Columns<SummaryField> | undefined;
  const rows: StatementRow[] = [];
  const detailTotals = new Map<string, Totals>();
  const summaries: { currency: string; totals: Totals; raw: Record<string, string> }[] = [];

  const amount = (text: string, currency: string, column: string, allowNegative: boolean): number => {
    const v = parseMajorUnits(text, currency, { allowNegative });
    if (E.isLeft(v)) throw new StatementLineError(`${column}: ${v.left}`);
    return v.right;
  };

  const values = (line: string, header: readonly string[]): readonly string[] => {
    const vs = splitValues(line);
    if (vs.length !== header.length)
      throw new StatementLineError(`${vs.length} values under ${header.length} columns`);
    return vs;
  };

  const detail = (line: string, cols: Columns<DetailField>): void => {
    const vs = values(line, detailHeader);
    const get = (f: DetailField): string => vs[cols[f]] ?? '';
    const currency = get('currency');
    const row: StatementRow = {
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
      orderAmount: amount(get('orderAmount'), currency, STATEMENT_DETAIL_COLUMNS.orderAmount, false),
      refundAmount: amount(get('refundAmount'), currency, STATEMENT_DETAIL_COLUMNS.refundAmount, false),
      fee: amount(get('fee'), currency, STATEMENT_DETAIL_COLUMNS.fee, true),
      feeRate: get('feeRate'),
      raw: rawOf(detailHeader, vs),
    };
    rows.push(row);
    const t = detailTotals.get(currency) ?? { count: 0, orderAmount: 0, refundAmount: 0, fee: 0 };
    detailTotals.set(currency, {
      count: t.count + 1,
      orderAmount: t.orderAmount + row.orderAmount,
      refundAmount: t.refundAmount + row.refundAmount,
      fee: t.fee + row.fee,
    });
  };

  const summaryRow = (line: string, cols: Columns<SummaryField>): void => {
    const vs = values(line, summaryHeader);
    const get = (f: SummaryField): string => vs[cols[f]] ?? '';
    const currency = get('currency');
    const count = get('totalCount');
    if (!/^[0-9]+$/.test(count))
      throw new StatementLineError(`${STATEMENT_SUMMARY_COLUMNS.totalCount}: not a count`);
    summaries.push({
      currency,
      totals: {
        count: Number(count),
        orderAmount: amount(get('orderAmount'), currency, STATEMENT_SUMMARY_COLUMNS.orderAmount, false),
        refundAmount: amount(get('refundAmount'), currency, STATEMENT_SUMMARY_COLUMNS.refundAmount, false),
        fee: amount(get('fee'), currency, STATEMENT_SUMMARY_COLUMNS.fee, true),
      },
      raw: rawOf(summaryHeader, vs),
    });
  };

  const handle = (rawLine: string): void => {
    lineNo += 1;
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineNo === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line === '') return;
    const isData = line.startsWith(STATEMENT_VALUE_PREFIX);
    if (state === 'header') {
      if (isData) throw new StatementLineError('expected the header row');
      detailHeader = line.split(',');
      detailCols = unwrap(indexColumns(detailHeader, STATEMENT_DETAIL_COLUMNS));
      state = 'details';
    } else if (state === 'details' && detailCols !== undefined) {
      if (isData) return detail(line, detailCols);
      summaryHeader = line.split(',');
      summaryCols = unwrap(indexColumns(summaryHeader, STATEMENT_SUMMARY_COLUMNS));
      state = 'summary';
    } else if (summaryCols !== undefined) {
      if (!isData) throw new StatementLineError('unexpected header after the summary');
      summaryRow(line, summaryCols);
    }
  };

  const safely = (f: () => void): void => {
    if (error !== undefined) return;
    try {
      f();
    } catch (e) {
      if (!(e instanceof StatementLineError)) throw e;
      error = `line ${lineNo}: ${e.message}`;
    }
  };

  return {
    push: (chunk) =>
      safely(() => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) handle(line);
      }),
    end: () => {
      safely(() => {
        if (pending !== '') handle(pending);
        pending = '';
      });
      if (error !== undefined) return E.left(error);
      if (summaries.length === 0) return E.left('no summary rows: the file is truncated');
      const mismatch = compareTotals(detailTotals, summaries);
      if (mismatch !== undefined) return E.left(mismatch);
      return E.right({
        rows,
        summary: {
          totalCount: summaries.reduce((n, s) => n + s.totals.count, 0),
          totals: summaries.map((s) => ({
            currency: s.currency,
            orderAmount: s.totals.orderAmount,
            refundAmount: s.totals.refundAmount,
            fee: s.totals.fee,
          })),
          raw: summaries[0]?.raw ?? {},
        },
      });
    },
  };
};

/** The summary is WeChat's own check on the file: details that disagree with it mean a corrupt download. */
const compareTotals = (
  details: ReadonlyMap<string, Totals>,
  summaries: readonly { currency: string; totals: Totals }[],
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

class StatementLineError extends Error {}

const unwrap = <A>(e: E.Either<string, A>): A => {
  if (E.isLeft(e)) throw new StatementLineError(e.left);
  return e.right;
};
