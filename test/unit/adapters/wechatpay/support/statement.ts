import {
  STATEMENT_DETAIL_COLUMNS,
  STATEMENT_SUMMARY_HEADER,
} from '../../../../../src/adapters/wechatpay/statement-format';

/** Statement text written by the test from the documented column names (docs/wechatpay-client.md). */

type Detail = Record<keyof typeof STATEMENT_DETAIL_COLUMNS, string>;

const base: Detail = {
  tradeTime: '2026-11-26 10:15:30',
  appId: 'wx2421b1c4370ec43b',
  mchid: '1900000100',
  subMchid: '1900000109',
  deviceId: 'POS-01',
  transactionId: '4200000000202611261234567890',
  outTradeNo: 'T20261126001',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  tradeType: 'MICROPAY',
  tradeState: 'SUCCESS',
  bankType: 'OTHERS',
  currency: 'HKD',
  orderAmount: '12.34',
  refundId: '',
  outRefundNo: '',
  refundAmount: '0.00',
  refundType: '',
  refundStatus: '',
  goodsName: 'Coffee, large',
  attach: 'table 4',
  fee: '0.07',
  feeRate: '0.60%',
};

export const paymentRow = (change: Partial<Detail> = {}): Detail => ({ ...base, ...change });
export const refundRow = (change: Partial<Detail> = {}): Detail => ({
  ...base,
  tradeTime: '2026-11-26 11:02:00',
  tradeState: 'REFUND',
  orderAmount: '0.00',
  refundId: '50300000002026112612345678',
  outRefundNo: 'R20261126001',
  refundAmount: '2.00',
  refundType: 'ORIGINAL',
  refundStatus: 'SUCCESS',
  fee: '-0.01',
  ...change,
});

const detailColumns = Object.keys(STATEMENT_DETAIL_COLUMNS) as (keyof Detail)[];

export const statementCsv = (
  rows: readonly Detail[],
  summaries: readonly (readonly [
    currency: string,
    count: string,
    total: string,
    refund: string,
    fee: string,
  ])[],
  extra: { readonly column: string; readonly value: string } | undefined = {
    column: 'Settlement currency type',
    value: 'HKD',
  },
): string => {
  const header = [...detailColumns.map((k) => STATEMENT_DETAIL_COLUMNS[k]), ...(extra ? [extra.column] : [])];
  const lines = [
    header.join(','),
    ...rows.map((r) =>
      [...detailColumns.map((k) => r[k]), ...(extra ? [extra.value] : [])].map((v) => `\`${v}`).join(','),
    ),
    STATEMENT_SUMMARY_HEADER.join(','),
    ...summaries.map((s) => s.map((v) => `\`${v}`).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
};

export const sampleStatement = (): string =>
  statementCsv(
    [
      paymentRow(),
      refundRow(),
      paymentRow({
        currency: 'JPY',
        orderAmount: '1200',
        fee: '7',
        transactionId: '4200000000202611269999999999',
      }),
    ],
    [
      ['HKD', '2', '12.34', '2.00', '0.06'],
      ['JPY', '1', '1200', '0', '7'],
    ],
  );
