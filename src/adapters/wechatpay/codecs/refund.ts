import * as t from 'io-ts';
import { CurrencyCodec, MinorUnitsCodec } from '../../../domain/shared/money';
import {
  OutRefundNoCodec,
  OutTradeNoCodec,
  RefundIdCodec,
  TransactionIdCodec,
} from '../../../domain/shared/ids';
import type { RefundInfo, RefundStatus } from '../../../ports/wechat-pay-gateway';
import { opt } from './decode';

/** Refund objects (reference §5.5–§5.7). The query spells a closed refund `REFUNDCLOSE`. */

const refundStatuses: Record<RefundStatus, null> = {
  SUCCESS: null,
  REFUNDCLOSE: null,
  PROCESSING: null,
  ABNORMAL: null,
};
export const RefundStatusCodec = t.keyof(refundStatuses, 'RefundStatus');

const RefundAmountCodec = t.intersection([
  t.type({ refund: MinorUnitsCodec, currency: CurrencyCodec }),
  t.partial({ payer_refund: t.number, payer_currency: t.string }),
]);

const RefundOptionalCodec = t.partial({
  transaction_id: TransactionIdCodec,
  out_trade_no: OutTradeNoCodec,
  channel: t.string,
  recv_account: t.string,
  fund_source: t.string,
  success_time: t.string,
  create_time: t.string,
});

/** Create answer: whether it carries `status` is UNCONFIRMED (§12.10), so it is optional here. */
export const RefundCreateResponseCodec = t.intersection([
  t.type({ id: RefundIdCodec, out_refund_no: OutRefundNoCodec, amount: RefundAmountCodec }),
  t.partial({ status: RefundStatusCodec }),
  RefundOptionalCodec,
]);
export type RefundWire = t.TypeOf<typeof RefundCreateResponseCodec>;

/** Query answer: `status` is what the caller polls for, so it is required. */
export const RefundQueryResponseCodec = t.intersection([
  t.type({
    id: RefundIdCodec,
    out_refund_no: OutRefundNoCodec,
    status: RefundStatusCodec,
    amount: RefundAmountCodec,
  }),
  RefundOptionalCodec,
]);

export const RefundListPageCodec = t.intersection([
  t.type({
    id: TransactionIdCodec,
    out_trade_no: OutTradeNoCodec,
    amount: t.type({ total: MinorUnitsCodec, currency: CurrencyCodec }),
    total_num: t.number,
    current_total_num: t.number,
  }),
  t.partial({ data: t.array(RefundQueryResponseCodec) }),
]);
export type RefundListPage = t.TypeOf<typeof RefundListPageCodec>;

export const toRefundInfo = (w: RefundWire): RefundInfo => ({
  refundId: w.id,
  outRefundNo: w.out_refund_no,
  ...opt('transactionId', w.transaction_id),
  ...opt('outTradeNo', w.out_trade_no),
  ...opt('status', w.status),
  ...opt('channel', w.channel),
  ...opt('recvAccount', w.recv_account),
  ...opt('fundSource', w.fund_source),
  ...opt('successTime', w.success_time),
  ...opt('createTime', w.create_time),
  amount: {
    refund: w.amount.refund,
    currency: w.amount.currency,
    ...opt('payerRefund', w.amount.payer_refund),
    ...opt('payerCurrency', w.amount.payer_currency),
  },
});
