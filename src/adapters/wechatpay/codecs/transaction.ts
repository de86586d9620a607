import * as t from 'io-ts';
import { CurrencyCodec, MinorUnitsCodec } from '../../../domain/shared/money';
import { OutTradeNoCodec, SubMchidCodec, TransactionIdCodec } from '../../../domain/shared/ids';
import type { Transaction, TradeState } from '../../../ports/wechat-pay-gateway';
import { opt } from './decode';

/** The Transaction object of pay and query-order answers (reference §5.1, §5.2): Global names the order id `id`. */

const tradeStates: Record<TradeState, null> = {
  SUCCESS: null,
  REFUND: null,
  NOTPAY: null,
  CLOSED: null,
  REVOKED: null,
  USERPAYING: null,
  PAYERROR: null,
  ACCEPT: null,
};
export const TradeStateCodec = t.keyof(tradeStates, 'TradeState');

export const TransactionResponseCodec = t.type({
  id: TransactionIdCodec,
  sub_mchid: SubMchidCodec,
  out_trade_no: OutTradeNoCodec,
  trade_type: t.string,
  trade_state: TradeStateCodec,
  amount: t.intersection([
    t.type({ total: MinorUnitsCodec, currency: CurrencyCodec }),
    t.partial({
      payer_total: t.number,
      payer_currency: t.string,
      exchange_rate: t.type({ type: t.string, rate: t.number }),
    }),
  ]),
});
const TransactionOptionalCodec = t.partial({
  trade_state_desc: t.string,
  bank_type: t.string,
  attach: t.string,
  success_time: t.string,
  payer: t.partial({ sp_openid: t.string, sub_openid: t.string }),
});
export const TransactionWireCodec = t.intersection([TransactionResponseCodec, TransactionOptionalCodec]);
export type TransactionWire = t.TypeOf<typeof TransactionWireCodec>;

export const toTransaction = (w: TransactionWire): Transaction => ({
  transactionId: w.id,
  subMchid: w.sub_mchid,
  outTradeNo: w.out_trade_no,
  tradeType: w.trade_type,
  tradeState: w.trade_state,
  ...opt('tradeStateDesc', w.trade_state_desc),
  ...opt('bankType', w.bank_type),
  ...opt('attach', w.attach),
  ...opt('successTime', w.success_time),
  amount: {
    total: w.amount.total,
    currency: w.amount.currency,
    ...opt('payerTotal', w.amount.payer_total),
    ...opt('payerCurrency', w.amount.payer_currency),
    ...opt('exchangeRate', w.amount.exchange_rate),
  },
  ...opt(
    'payer',
    w.payer === undefined
      ? undefined
      : { ...opt('spOpenid', w.payer.sp_openid), ...opt('subOpenid', w.payer.sub_openid) },
  ),
});
