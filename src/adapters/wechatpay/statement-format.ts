/**
 * The daily statement file layout this client parses (reference §5.8); `docs/wechatpay-client.md`
 * shows an example file and lists every column name it knows.
 *
 * Layout, UTF-8 (an optional BOM is skipped), lines ending in `\n` or `\r\n`:
 *   1. the detail header row: column names, comma-separated, NOT backtick-prefixed;
 *   2. zero or more detail rows: every value prefixed with a backtick, values joined by `,` — so a
 *      row is split on the two-character separator ",`" and a value may itself contain commas;
 *   3. the summary header row: column names, NOT backtick-prefixed (this is how the parser knows the
 *      detail rows have ended, as in WeChat's own bills);
 *   4. one summary row per currency, backtick-prefixed like detail rows;
 *   5. optional trailing empty lines.
 *
 * Columns are found by header name, never by position: WeChat's Global page gives the header in
 * English and (on its Chinese page) in Chinese, and says only that the first row is the header, so
 * the order is free. A name is matched case-, width- and punctuation-insensitively against every
 * spelling below; a column with a name we do not know is kept in `raw` and reported; a missing
 * required column is an error naming every one that is missing.
 *
 * Amounts are decimal major units as printed by WeChat (`12.34` HKD, `1200` JPY), converted to
 * integer minor units with the currency's exponent (`src/domain/shared/money.ts`). The detail
 * amounts are in the row's pricing currency; a refund row carries `0.00` as the order amount and a
 * payment row `0.00` as the refund amount.
 */

/** One column: the official English name (written by producers), the Chinese one, other spellings. */
export interface StatementColumn {
  readonly en: string;
  readonly zh: string;
  /** Other spellings seen or written before (older English pages, this project's earlier layout). */
  readonly aliases?: readonly string[];
  /** Optional columns read as '' when absent; required ones make the file unreadable. */
  readonly required: boolean;
}

const col = (
  en: string,
  zh: string,
  required: boolean,
  aliases: readonly string[] = [],
): StatementColumn => ({ en, zh, required, aliases });

/**
 * The detail columns that fill a typed `StatementRow` field, keyed by that field. Required: what
 * matching a row against our records needs (ids, states, currency and amounts).
 */
export const STATEMENT_FIELD_COLUMNS = {
  tradeTime: col('Transaction time', '交易时间', true),
  appId: col('Official Account ID', '公众账号ID', false),
  mchid: col('Vendor ID', '商户号', false),
  subMchid: col('Sub vendor ID', '子商户号', true),
  deviceId: col('Device No.', '设备号', false, ['Device ID']),
  transactionId: col('WeChat order No.', '微信订单号', true, ['WeChat order number']),
  outTradeNo: col('Vendor order No.', '商户订单号', true, ['Vendor order number']),
  openid: col('User identifier', '用户标识', false, ['User tag']),
  tradeType: col('Transaction type', '交易类型', false),
  tradeState: col('Transaction status', '交易状态', true),
  bankType: col('Payment bank', '付款银行', false),
  refundId: col('WeChat refund No.', '微信退款单号', true, ['WeChat refund number']),
  outRefundNo: col('Vendor refund No.', '商户退款单号', true, ['Vendor refund number']),
  refundType: col('Refund type', '退款类型', true),
  refundStatus: col('Refund status', '退款状态', true),
  goodsName: col('Product name', '商品名称', false),
  attach: col('Vendor data package', '商户数据包', false, ["Vendor's data package"]),
  fee: col('Fee', '手续费', true),
  feeRate: col('Rate', '费率', false, ['Fee rate']),
  currency: col('Pricing currency', '标价币种', true, ['Currency type']),
  orderAmount: col('Order amount (pricing currency)', '订单金额(标价币种)', true, [
    'Order amount',
    'Total amount',
  ]),
  refundAmount: col('Requested refund amount', '申请退款金额', true, ['Refund amount']),
} as const satisfies Record<string, StatementColumn>;

export type StatementField = keyof typeof STATEMENT_FIELD_COLUMNS;

/**
 * Further columns of the official header, in no typed field: known (so never reported as unknown)
 * and kept in `raw` by their printed name.
 */
export const STATEMENT_OTHER_COLUMNS: readonly StatementColumn[] = [
  col('Top-up voucher currency', '充值券币种', false),
  col('Top-up voucher amount', '充值券金额', false),
  col('Coupon currency', '优惠券币种', false),
  col('Coupon amount', '优惠券金额', false),
  col('Payer currency', '用户支付币种', false, ['Cash currency type']),
  col('Payer amount', '用户支付金额', false, ['Cash fee']),
  col('Settlement currency', '结算币种', false, ['Settlement currency type']),
  col('Settlement amount', '应结订单金额', false),
  col('Payment exchange rate', '支付汇率', false, ['Exchange rate']),
  col('Refund exchange rate', '退款汇率', false),
  col('Payer refund currency', '用户退款币种', false),
  col('Payer refund amount', '用户退款金额', false),
  col('Refund settlement currency', '退款结算币种', false),
  col('Refund settlement amount', '退款应结订单金额', false),
  col('Top-up voucher refund amount', '充值券退款金额', false),
  col('Coupon refund amount', '优惠券退款金额', false),
];

/**
 * The official detail header, in the order the Global page prints it (38 columns). `en` and `zh`
 * are the two languages a producer (the sandbox) can write.
 */
export const OFFICIAL_DETAIL_ORDER: readonly (StatementField | number)[] = [
  'tradeTime',
  'appId',
  'mchid',
  'subMchid',
  'deviceId',
  'transactionId',
  'outTradeNo',
  'openid',
  'tradeType',
  'tradeState',
  'bankType',
  0,
  1,
  2,
  3,
  'refundId',
  'outRefundNo',
  'refundType',
  'refundStatus',
  'goodsName',
  'attach',
  'fee',
  'feeRate',
  'currency',
  'orderAmount',
  4,
  5,
  6,
  7,
  8,
  9,
  'refundAmount',
  10,
  11,
  12,
  13,
  14,
  15,
];

export type HeaderLanguage = 'en' | 'zh';

const columnAt = (entry: StatementField | number): StatementColumn => {
  if (typeof entry !== 'number') return STATEMENT_FIELD_COLUMNS[entry];
  const other = STATEMENT_OTHER_COLUMNS[entry];
  if (other === undefined) throw new Error(`no statement column ${entry}`);
  return other;
};

/** The detail header as WeChat prints it, in one language. */
export const officialDetailHeader = (language: HeaderLanguage): readonly string[] =>
  OFFICIAL_DETAIL_ORDER.map((entry) => columnAt(entry)[language]);

/** Field name → official English column name (what tests and producers write by default). */
export const STATEMENT_DETAIL_COLUMNS = Object.fromEntries(
  Object.entries(STATEMENT_FIELD_COLUMNS).map(([field, c]) => [field, c.en]),
) as Readonly<Record<StatementField, string>>;

/**
 * Summary columns; one summary row per currency. The Global page does not spell this part out: the
 * names follow WeChat's other bills and are matched as loosely as the detail names.
 */
export const STATEMENT_SUMMARY_FIELD_COLUMNS = {
  currency: col('Currency type', '币种', true, ['Currency', 'Pricing currency', '货币种类', '标价币种']),
  totalCount: col('Total transaction count', '总交易单数', true, ['Total count']),
  orderAmount: col('Total amount', '订单总金额', true, ['Total order amount']),
  refundAmount: col('Total refund amount', '申请退款总金额', true, ['退款总金额']),
  fee: col('Total fee', '手续费总金额', true),
} as const satisfies Record<string, StatementColumn>;

export type StatementSummaryField = keyof typeof STATEMENT_SUMMARY_FIELD_COLUMNS;

export const officialSummaryHeader = (language: HeaderLanguage): readonly string[] =>
  Object.values(STATEMENT_SUMMARY_FIELD_COLUMNS).map((c) => c[language]);

/** English summary names, field → name (tests and producers). */
export const STATEMENT_SUMMARY_COLUMNS = Object.fromEntries(
  Object.entries(STATEMENT_SUMMARY_FIELD_COLUMNS).map(([field, c]) => [field, c.en]),
) as Readonly<Record<StatementSummaryField, string>>;

export const STATEMENT_SUMMARY_HEADER: readonly string[] = officialSummaryHeader('en');

/**
 * How a header cell is compared: Unicode-compatibility folded (full-width brackets become ASCII),
 * lower-cased, with whitespace, dots, underscores, hyphens, apostrophes and brackets removed, and
 * a stray backtick or BOM dropped. "WeChat order No." and "wechat_order_no" are then one name.
 */
export const normalizeColumnName = (name: string): string =>
  name
    .normalize('NFKC')
    .replace(/^[\uFEFF`]+/, '')
    .toLowerCase()
    .replace(/[\s._\-'’()[\]:]/g, '');

/** Every spelling of a column, normalised. */
export const spellings = (c: StatementColumn): readonly string[] =>
  [c.en, c.zh, ...(c.aliases ?? [])].map(normalizeColumnName);

/** Every value in a detail or summary row starts with this character. */
export const STATEMENT_VALUE_PREFIX = '`';

/** The separator between values of a data row (a comma followed by the next value's backtick). */
export const STATEMENT_VALUE_SEPARATOR = ',`';

/** `Transaction time` format: local time in GMT+8, as WeChat prints it. */
export const STATEMENT_TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';
