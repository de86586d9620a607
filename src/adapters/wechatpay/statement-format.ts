/**
 * The daily statement file layout this client parses (reference §5.8). A producer (the sandbox, or
 * a fixture) that writes exactly this layout is read correctly; `docs/wechatpay-client.md` shows an
 * example file.
 *
 * Layout, UTF-8 (an optional BOM is skipped), lines ending in `\n` or `\r\n`:
 *   1. the detail header row: column names, comma-separated, NOT backtick-prefixed;
 *   2. zero or more detail rows: every value prefixed with a backtick, values joined by `,` — so a
 *      row is split on the two-character separator ",`" and a value may itself contain commas;
 *   3. the summary header row: column names, NOT backtick-prefixed (this is how the parser knows the
 *      detail rows have ended, as in WeChat's own bills);
 *   4. one summary row per currency, backtick-prefixed like detail rows;
 *   5. optional trailing empty lines.
 * Columns are found by header name, so their order is free and unknown extra columns are kept in
 * `raw`. A missing required column is an error naming it.
 *
 * Amounts are decimal major units as printed by WeChat (`12.34` HKD, `1200` JPY), converted to
 * integer minor units with the currency's exponent (`src/domain/shared/money.ts`). The detail
 * amounts are in the row's `Currency type`; a refund row carries `0.00` as `Total amount` and a
 * payment row `0.00` as `Refund amount`.
 */

/** Detail header names, keyed by the `StatementRow` field each fills. */
export const STATEMENT_DETAIL_COLUMNS = {
  tradeTime: 'Transaction time',
  appId: 'Official account ID',
  mchid: 'Vendor ID',
  subMchid: 'Sub vendor ID',
  deviceId: 'Device ID',
  transactionId: 'WeChat order number',
  outTradeNo: 'Vendor order number',
  openid: 'User tag',
  tradeType: 'Transaction type',
  tradeState: 'Transaction status',
  bankType: 'Payment bank',
  currency: 'Currency type',
  orderAmount: 'Total amount',
  refundId: 'WeChat refund number',
  outRefundNo: 'Vendor refund number',
  refundAmount: 'Refund amount',
  refundType: 'Refund type',
  refundStatus: 'Refund status',
  goodsName: 'Product name',
  attach: "Vendor's data package",
  fee: 'Fee',
  feeRate: 'Rate',
} as const;

/**
 * Further detail columns a producer may write (WeChat's bills carry them); the parser keeps them
 * in `raw` only. Listed here so a producer writes the same names as the real file.
 */
export const STATEMENT_OPTIONAL_DETAIL_COLUMNS = [
  'Coupon amount',
  'Coupon refund amount',
  'Cash currency type',
  'Cash fee',
  'Settlement currency type',
  'Settlement amount',
  'Exchange rate',
  'Refund exchange rate',
] as const;

/** The detail header in the order a producer should write it. */
export const STATEMENT_DETAIL_HEADER: readonly string[] = [
  ...Object.values(STATEMENT_DETAIL_COLUMNS),
  ...STATEMENT_OPTIONAL_DETAIL_COLUMNS,
];

/** Summary header names; one summary row per currency. */
export const STATEMENT_SUMMARY_COLUMNS = {
  currency: 'Currency type',
  totalCount: 'Total transaction count',
  orderAmount: 'Total amount',
  refundAmount: 'Total refund amount',
  fee: 'Total fee',
} as const;

export const STATEMENT_SUMMARY_HEADER: readonly string[] = Object.values(STATEMENT_SUMMARY_COLUMNS);

/** Every value in a detail or summary row starts with this character. */
export const STATEMENT_VALUE_PREFIX = '`';

/** The separator between values of a data row (a comma followed by the next value's backtick). */
export const STATEMENT_VALUE_SEPARATOR = ',`';

/** `Transaction time` format: local time in GMT+8, as WeChat prints it. */
export const STATEMENT_TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';
