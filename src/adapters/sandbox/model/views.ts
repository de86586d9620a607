import { rfc3339 } from '../time';
import type { Order, Refund } from './types';

/** The wire shapes of apihk's answers (reference §5.1, §5.6, §5.7, §7.4), built from records. */

/** Payer-currency rates, ×10^8 (the integer scale is UNCONFIRMED, §5.1; the sandbox picks 10^8). */
const RATES_TO_CNY: Readonly<Record<string, number>> = {
  CNY: 100_000_000,
  HKD: 91_000_000,
  USD: 720_000_000,
  EUR: 780_000_000,
  GBP: 910_000_000,
  JPY: 4_800_000,
};

/** An exchange rate of 1.0 as WeChat writes rates: an integer scaled by 10^8. */
const SAME_CURRENCY_RATE = 100_000_000;

export const exchangeRate = (currency: string): number => RATES_TO_CNY[currency] ?? 100_000_000;

/** Minor units in CNY. JPY has no minor unit, hence the ×100 correction (§5.1). */
export const payerAmount = (amount: number, currency: string): number => {
  const exponentFix = currency === 'JPY' || currency === 'KRW' || currency === 'VND' ? 100 : 1;
  return Math.round((amount * exponentFix * exchangeRate(currency)) / 100_000_000);
};

const TRADE_STATE_DESC: Readonly<Record<Order['tradeState'], string>> = {
  SUCCESS: 'payment succeeded',
  REFUND: 'a refund was requested',
  NOTPAY: 'not paid',
  CLOSED: 'closed',
  REVOKED: 'revoked',
  USERPAYING: 'the customer is entering the password',
  PAYERROR: 'payment failed',
};

export const transactionView = (order: Order): Record<string, unknown> => ({
  id: order.id,
  sp_mchid: order.spMchid,
  sub_mchid: order.subMchid,
  sp_appid: order.spAppid,
  ...(order.subAppid === undefined ? {} : { sub_appid: order.subAppid }),
  out_trade_no: order.outTradeNo,
  trade_type: 'MICROPAY',
  trade_state: order.tradeState,
  trade_state_desc: TRADE_STATE_DESC[order.tradeState],
  ...(order.successTime === undefined
    ? {}
    : { bank_type: 'OTHERS', success_time: rfc3339(order.successTime) }),
  ...(order.attach === undefined ? {} : { attach: order.attach }),
  payer: { sp_openid: order.openid },
  amount: {
    total: order.total,
    currency: order.currency,
    payer_total: order.successTime === undefined ? 0 : payerAmount(order.total, order.currency),
    payer_currency: 'CNY',
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: exchangeRate(order.currency) },
  },
  promotion_detail: [],
});

const refundAmount = (refund: Refund): Record<string, unknown> => ({
  refund: refund.refund,
  currency: refund.currency,
  payer_refund: payerAmount(refund.refund, refund.currency),
  payer_currency: 'CNY',
  exchange_rate: { type: 'SETTLEMENT_RATE', rate: exchangeRate(refund.currency) },
});

/** §5.5: the create answer. `status` is an extra field (UNCONFIRMED whether Global sends it). */
export const refundCreatedView = (refund: Refund): Record<string, unknown> => ({
  id: refund.id,
  out_refund_no: refund.outRefundNo,
  create_time: rfc3339(refund.createdAt),
  amount: refundAmount(refund),
  status: refund.status,
});

/** §5.6 */
export const refundView = (refund: Refund): Record<string, unknown> => ({
  id: refund.id,
  out_refund_no: refund.outRefundNo,
  transaction_id: refund.transactionId,
  out_trade_no: refund.outTradeNo,
  channel: 'ORIGINAL',
  recv_account: 'WeChat Pay balance',
  fund_source: refund.source,
  ...(refund.successTime === undefined ? {} : { success_time: rfc3339(refund.successTime) }),
  create_time: rfc3339(refund.createdAt),
  status: refund.status,
  amount: refundAmount(refund),
});

/**
 * §7.4 decrypted refund resource; the notification spells REFUNDCLOSE as CLOSED (§6). The amount
 * follows WeChat's example: the payer pays in the pricing currency (a Hong Kong wallet), so
 * payer_currency is the order's and exchange_rate is SETTLEMENT_RATE at 1.0 (10^8).
 */
export const refundNotificationResource = (refund: Refund, order: Order): Record<string, unknown> => ({
  sp_mchid: refund.spMchid,
  sub_mchid: refund.subMchid,
  out_trade_no: refund.outTradeNo,
  transaction_id: refund.transactionId,
  out_refund_no: refund.outRefundNo,
  refund_id: refund.id,
  refund_status: refund.status === 'REFUNDCLOSE' ? 'CLOSED' : refund.status,
  ...(refund.successTime === undefined ? {} : { success_time: rfc3339(refund.successTime) }),
  recv_account: 'WeChat Pay balance',
  fund_source: refund.source,
  amount: {
    total: order.total,
    currency: refund.currency,
    refund: refund.refund,
    payer_total: order.total,
    payer_currency: order.currency,
    payer_refund: refund.refund,
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: SAME_CURRENCY_RATE },
  },
});
