import * as E from 'fp-ts/Either';
import {
  STATEMENT_FIELD_COLUMNS,
  normalizeColumnName,
  officialDetailHeader,
  officialSummaryHeader,
  type HeaderLanguage,
  type StatementField,
} from '../../../../src/adapters/wechatpay/statement-format';
import {
  createStatementParser,
  type ParsedStatement,
} from '../../../../src/adapters/wechatpay/statement-parser';

/**
 * The statement header is read by name (reference §5.8): the official English and Chinese names,
 * in any order, case and spacing aside; unknown columns are kept and reported; every missing
 * required column is named at once.
 */

const parse = (text: string): E.Either<string, ParsedStatement> => {
  const parser = createStatementParser();
  parser.push(text);
  return parser.end();
};

const ok = (text: string): ParsedStatement => {
  const r = parse(text);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};

const payment: Partial<Record<StatementField, string>> = {
  tradeTime: '2026-11-26 10:15:30',
  subMchid: '1900000109',
  transactionId: '4200000000202611261234567890',
  outTradeNo: 'T20261126001',
  tradeState: 'SUCCESS',
  currency: 'HKD',
  orderAmount: '12.34',
  refundAmount: '0.00',
  fee: '0.07',
  goodsName: 'Coffee, large',
};

const fieldOf = (name: string, language: HeaderLanguage): StatementField | undefined =>
  (Object.keys(STATEMENT_FIELD_COLUMNS) as StatementField[]).find(
    (f) => STATEMENT_FIELD_COLUMNS[f][language] === name,
  );

/** A file with the official header in one language, columns in `order` (indexes into it). */
const file = (
  language: HeaderLanguage,
  options: { order?: (header: readonly string[]) => readonly string[]; rename?: (h: string) => string } = {},
): string => {
  const official = officialDetailHeader(language);
  const header = options.order ? options.order(official) : official;
  const value = (name: string): string => {
    const f = fieldOf(name, language);
    return f === undefined ? '' : (payment[f] ?? '');
  };
  return [
    header.map(options.rename ?? ((h) => h)).join(','),
    header.map((h) => `\`${value(h)}`).join(','),
    officialSummaryHeader(language).join(','),
    ['HKD', '1', '12.34', '0.00', '0.07'].map((v) => `\`${v}`).join(','),
    '',
  ].join('\r\n');
};

const expected = {
  transactionId: '4200000000202611261234567890',
  outTradeNo: 'T20261126001',
  subMchid: '1900000109',
  tradeState: 'SUCCESS',
  currency: 'HKD',
  orderAmount: 1234,
  refundAmount: 0,
  fee: 7,
  goodsName: 'Coffee, large',
};

describe('statement header map', () => {
  it('has the 38 columns of the official header in both languages', () => {
    expect(officialDetailHeader('en')).toHaveLength(38);
    expect(officialDetailHeader('zh')).toHaveLength(38);
    expect(officialDetailHeader('en').slice(0, 12)).toEqual([
      'Transaction time',
      'Official Account ID',
      'Vendor ID',
      'Sub vendor ID',
      'Device No.',
      'WeChat order No.',
      'Vendor order No.',
      'User identifier',
      'Transaction type',
      'Transaction status',
      'Payment bank',
      'Top-up voucher currency',
    ]);
    expect(officialDetailHeader('zh').slice(0, 4)).toEqual(['交易时间', '公众账号ID', '商户号', '子商户号']);
  });

  it('reads the English header', () => {
    const s = ok(file('en'));
    expect(s.rows[0]).toMatchObject(expected);
    expect(s.unknownColumns).toEqual([]);
  });

  it('reads the Chinese header to the same rows', () => {
    const zh = ok(file('zh'));
    expect(zh.rows[0]).toMatchObject(expected);
    expect(zh.rows[0]?.raw['订单金额(标价币种)']).toBe('12.34');
    expect(zh.unknownColumns).toEqual([]);
  });

  it('reads columns in any order, whatever their case, spacing and bracket width', () => {
    const shuffled = (h: readonly string[]) => [...h].reverse();
    const s = ok(
      file('en', {
        order: shuffled,
        rename: (h) => `  ${h.toUpperCase().replace(/ /g, '  ')} `,
      }),
    );
    expect(s.rows[0]).toMatchObject(expected);
    const zh = ok(file('zh', { order: shuffled, rename: (h) => h.replace('(', '（').replace(')', '）') }));
    expect(zh.rows[0]).toMatchObject(expected);
  });

  it('keeps an unknown column in raw and reports it', () => {
    const text = file('en', { order: (h) => [...h.slice(0, 5), 'Store code', ...h.slice(5)] });
    const s = ok(text);
    expect(s.unknownColumns).toEqual(['Store code']);
    expect(s.rows[0]?.raw).toHaveProperty('Store code', '');
    expect(s.rows[0]).toMatchObject(expected);
  });

  it('names every missing required column, in English and Chinese', () => {
    const text = file('en', {
      order: (h) => h.filter((n) => n !== 'WeChat order No.' && n !== 'Pricing currency'),
    });
    const r = parse(text);
    expect(E.isLeft(r)).toBe(true);
    const message = E.isLeft(r) ? r.left : '';
    expect(message).toMatch(/^line 1: missing required columns /);
    expect(message).toContain('"WeChat order No." (微信订单号)');
    expect(message).toContain('"Pricing currency" (标价币种)');
  });

  it('reads an absent optional column as empty', () => {
    const s = ok(file('en', { order: (h) => h.filter((n) => n !== 'Device No.') }));
    expect(s.rows[0]?.deviceId).toBe('');
  });

  it('normalises names so that spelling variants meet', () => {
    expect(normalizeColumnName('WeChat order No.')).toBe(normalizeColumnName('wechat_order_no'));
    expect(normalizeColumnName('订单金额（标价币种）')).toBe(normalizeColumnName('订单金额(标价币种)'));
    expect(normalizeColumnName('\uFEFFTransaction time')).toBe('transactiontime');
  });
});
