import * as E from 'fp-ts/Either';
import { parseMajorUnits } from '../../../../src/adapters/wechatpay/amounts';
import {
  createStatementParser,
  type ParsedStatement,
} from '../../../../src/adapters/wechatpay/statement-parser';
import { paymentRow, refundRow, sampleStatement, statementCsv } from './support/statement';

const parseInChunks = (text: string, size: number): E.Either<string, ParsedStatement> => {
  const parser = createStatementParser();
  for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
  return parser.end();
};

const parsed = (text: string): ParsedStatement => {
  const r = parseInChunks(text, 1 << 20);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};

describe('statement amounts (decimal major units to minor units, no floats)', () => {
  it.each([
    ['12.34', 'HKD', 1234],
    ['0.29', 'HKD', 29],
    ['12.3', 'HKD', 1230],
    ['12', 'HKD', 1200],
    ['1200', 'JPY', 1200],
    ['1200.00', 'JPY', 1200],
    ['90071992547409.91', 'USD', 9007199254740991],
  ])('%s %s is %d', (text, currency, minor) => {
    expect(parseMajorUnits(text, currency, { allowNegative: false })).toEqual(E.right(minor));
  });

  it('refuses extra decimals, unknown currencies, negatives where not allowed, and junk', () => {
    expect(E.isLeft(parseMajorUnits('1.234', 'HKD', { allowNegative: false }))).toBe(true);
    expect(E.isLeft(parseMajorUnits('1.5', 'JPY', { allowNegative: false }))).toBe(true);
    expect(E.isLeft(parseMajorUnits('1.00', 'XXX', { allowNegative: false }))).toBe(true);
    expect(E.isLeft(parseMajorUnits('-0.01', 'HKD', { allowNegative: false }))).toBe(true);
    expect(parseMajorUnits('-0.01', 'HKD', { allowNegative: true })).toEqual(E.right(-1));
    expect(E.isLeft(parseMajorUnits('1e3', 'HKD', { allowNegative: false }))).toBe(true);
    expect(E.isLeft(parseMajorUnits('', 'HKD', { allowNegative: false }))).toBe(true);
    expect(E.isLeft(parseMajorUnits('90071992547409.92', 'USD', { allowNegative: false }))).toBe(true);
  });
});

describe('statement parser (backtick CSV, reference §5.8)', () => {
  it('types every detail row and the per-currency summary', () => {
    const s = parsed(sampleStatement());
    expect(s.rows).toHaveLength(3);
    expect(s.rows[0]).toMatchObject({
      tradeTime: '2026-11-26 10:15:30',
      subMchid: '1900000109',
      transactionId: '4200000000202611261234567890',
      outTradeNo: 'T20261126001',
      tradeState: 'SUCCESS',
      currency: 'HKD',
      orderAmount: 1234,
      refundAmount: 0,
      fee: 7,
      feeRate: '0.60%',
      goodsName: 'Coffee, large',
    });
    expect(s.rows[0]?.raw['Settlement currency type']).toBe('HKD');
    expect(s.unknownColumns).toEqual([]);
    expect(s.rows[1]).toMatchObject({
      tradeState: 'REFUND',
      outRefundNo: 'R20261126001',
      orderAmount: 0,
      refundAmount: 200,
      fee: -1,
    });
    expect(s.rows[2]).toMatchObject({ currency: 'JPY', orderAmount: 1200, fee: 7 });
    expect(s.summary).toEqual({
      totalCount: 3,
      totals: [
        { currency: 'HKD', orderAmount: 1234, refundAmount: 200, fee: 6 },
        { currency: 'JPY', orderAmount: 1200, refundAmount: 0, fee: 7 },
      ],
      raw: {
        'Currency type': 'HKD',
        'Total transaction count': '2',
        'Total amount': '12.34',
        'Total refund amount': '2.00',
        'Total fee': '0.06',
      },
    });
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const text = `\uFEFF${sampleStatement()}`;
    const whole = parseInChunks(text, text.length);
    expect(E.isRight(whole)).toBe(true);
    for (const size of [1, 2, 3, 7, 64]) expect(parseInChunks(text, size)).toEqual(whole);
  });

  it('accepts columns in any order and \\n line ends', () => {
    const text = sampleStatement().replace(/\r\n/g, '\n');
    const lines = text.split('\n');
    const swap = (line: string, sep: string) => {
      const cells = line.startsWith('`') ? line.slice(1).split(',`') : line.split(',');
      [cells[0], cells[1]] = [cells[1] ?? '', cells[0] ?? ''];
      return line.startsWith('`') ? `\`${cells.join(sep)}` : cells.join(',');
    };
    const reordered = lines.map((l, i) => (i <= 3 && l !== '' ? swap(l, ',`') : l)).join('\n');
    expect(parsed(reordered).rows).toEqual(parsed(text).rows);
  });

  it('names a missing column', () => {
    const text = sampleStatement().replace('Vendor order No.', 'Merchant order number');
    expect(parseInChunks(text, 100)).toMatchObject(
      E.left(expect.stringMatching(/^line 1: missing required column "Vendor order No\." \(商户订单号\);/)),
    );
  });

  it('refuses a row with the wrong number of values, naming the line', () => {
    const text = sampleStatement().replace('`POS-01,', '');
    expect(parseInChunks(text, 100)).toMatchObject(
      E.left(expect.stringMatching(/^line 2: \d+ values under \d+ columns$/)),
    );
  });

  it('refuses a file without a summary (truncated download)', () => {
    const text = statementCsv([paymentRow()], []).split('\r\n').slice(0, 2).join('\r\n');
    expect(parseInChunks(text, 100)).toEqual(E.left('no summary rows: the file is truncated'));
  });

  it('refuses a summary that disagrees with the rows', () => {
    const text = statementCsv([paymentRow(), refundRow()], [['HKD', '2', '12.35', '2.00', '0.06']]);
    expect(parseInChunks(text, 100)).toEqual(
      E.left('summary orderAmount for HKD is 1235, the rows add up to 1234'),
    );
  });

  it('refuses an amount with more decimals than the currency has', () => {
    const text = statementCsv(
      [paymentRow({ orderAmount: '12.345' })],
      [['HKD', '1', '12.34', '0.00', '0.07']],
    );
    expect(parseInChunks(text, 100)).toMatchObject(
      E.left(expect.stringContaining('line 2: Order amount (pricing currency):')),
    );
  });

  it('parses an empty day: headers and a zero summary', () => {
    const s = parsed(statementCsv([], [['HKD', '0', '0.00', '0.00', '0.00']]));
    expect(s.rows).toEqual([]);
    expect(s.summary.totalCount).toBe(0);
  });
});
