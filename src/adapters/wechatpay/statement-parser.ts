import * as E from 'fp-ts/Either';
import type { StatementRow, StatementSummary } from '../../ports/wechat-pay-gateway';
import {
  STATEMENT_FIELD_COLUMNS,
  STATEMENT_OTHER_COLUMNS,
  STATEMENT_SUMMARY_FIELD_COLUMNS,
  STATEMENT_VALUE_PREFIX,
} from './statement-format';
import {
  addRow,
  compareTotals,
  detailRow,
  layoutOf,
  summaryRow,
  type DetailField,
  type Layout,
  type SummaryField,
  type SummaryLine,
  type Totals,
} from './statement-rows';

/**
 * Streaming parser for the backtick CSV described in `statement-format.ts` (reference §5.8):
 * text arrives in chunks of any size, lines are handled as they complete, and only typed rows are
 * kept. The first error stops parsing and is reported by `end()` with its line number.
 */

export interface ParsedStatement {
  readonly rows: readonly StatementRow[];
  readonly summary: StatementSummary;
  /** Header names (detail or summary) that match no known column; their values are in `raw`. */
  readonly unknownColumns: readonly string[];
}

export interface StatementParser {
  readonly push: (chunk: string) => void;
  readonly end: () => E.Either<string, ParsedStatement>;
}

type State =
  | { readonly at: 'header' }
  | { readonly at: 'details'; readonly details: Layout<DetailField> }
  | { readonly at: 'summary'; readonly summary: Layout<SummaryField> };

export const createStatementParser = (): StatementParser => {
  let state: State = { at: 'header' };
  let pending = '';
  let lineNo = 0;
  let error: string | undefined;
  const rows: StatementRow[] = [];
  const detailTotals = new Map<string, Totals>();
  const summaries: SummaryLine[] = [];
  const unknownColumns: string[] = [];

  /** Returns an error message, or undefined when the line was taken. */
  const handle = (rawLine: string): string | undefined => {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineNo === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line === '') return undefined;
    const isData = line.startsWith(STATEMENT_VALUE_PREFIX);
    switch (state.at) {
      case 'header': {
        if (isData) return 'expected the header row';
        const layout = layoutOf(line, STATEMENT_FIELD_COLUMNS, STATEMENT_OTHER_COLUMNS);
        if (E.isLeft(layout)) return layout.left;
        unknownColumns.push(...layout.right.unknown);
        state = { at: 'details', details: layout.right };
        return undefined;
      }
      case 'details': {
        if (!isData) {
          // A header line after the details is the summary header (as in WeChat's bills).
          const layout = layoutOf(line, STATEMENT_SUMMARY_FIELD_COLUMNS);
          if (E.isLeft(layout)) return layout.left;
          unknownColumns.push(...layout.right.unknown);
          state = { at: 'summary', summary: layout.right };
          return undefined;
        }
        const row = detailRow(line, state.details);
        if (E.isLeft(row)) return row.left;
        rows.push(row.right);
        detailTotals.set(row.right.currency, addRow(detailTotals.get(row.right.currency), row.right));
        return undefined;
      }
      case 'summary': {
        if (!isData) return 'unexpected header after the summary';
        const summary = summaryRow(line, state.summary);
        if (E.isLeft(summary)) return summary.left;
        summaries.push(summary.right);
        return undefined;
      }
    }
  };

  const take = (line: string): void => {
    if (error !== undefined) return;
    lineNo += 1;
    const problem = handle(line);
    if (problem !== undefined) error = `line ${lineNo}: ${problem}`;
  };

  return {
    push: (chunk) => {
      if (error !== undefined) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    },
    end: () => {
      if (pending !== '') take(pending);
      pending = '';
      if (error !== undefined) return E.left(error);
      if (summaries.length === 0) return E.left('no summary rows: the file is truncated');
      const mismatch = compareTotals(detailTotals, summaries);
      if (mismatch !== undefined) return E.left(mismatch);
      return E.right({
        rows,
        summary: {
          totalCount: summaries.reduce((n, s) => n + s.totals.count, 0),
          totals: summaries.map(({ currency, totals: { orderAmount, refundAmount, fee } }) => ({
            currency,
            orderAmount,
            refundAmount,
            fee,
          })),
          raw: summaries[0]?.raw ?? {},
        },
        unknownColumns,
      });
    },
  };
};
