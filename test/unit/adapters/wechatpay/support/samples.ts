/** Realistic WeChat Pay Global answers (reference §5), as the fake server sends them. */

export const transactionJson = (change: Record<string, unknown> = {}) => ({
  id: '4200000000202611261234567890',
  sp_mchid: '1900000100',
  sub_mchid: '1900000109',
  sp_appid: 'wx2421b1c4370ec43b',
  out_trade_no: 'T20261126001',
  trade_type: 'MICROPAY',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  bank_type: 'OTHERS',
  attach: 'table 4',
  success_time: '2026-11-26T16:00:01+08:00',
  payer: { sp_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', sub_openid: 'oUpF8uN95-Ptaags6E_roPHg7AG0' },
  amount: {
    total: 1234,
    currency: 'HKD',
    payer_total: 1100,
    payer_currency: 'CNY',
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: 89123000 },
  },
  promotion_detail: [],
  ...change,
});

export const refundJson = (change: Record<string, unknown> = {}) => ({
  id: '50300000002026112612345678',
  out_refund_no: 'R20261126001',
  transaction_id: '4200000000202611261234567890',
  out_trade_no: 'T20261126001',
  channel: 'ORIGINAL',
  recv_account: '支付用户零钱',
  fund_source: 'REFUND_SOURCE_UNSETTLED_FUNDS',
  create_time: '2026-11-26T17:00:00+08:00',
  status: 'PROCESSING',
  amount: {
    refund: 200,
    currency: 'HKD',
    payer_refund: 178,
    payer_currency: 'CNY',
    exchange_rate: { type: 'USERPAYMENT_RATE', rate: 89123000 },
  },
  ...change,
});
