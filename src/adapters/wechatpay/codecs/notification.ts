import * as t from 'io-ts';
import { CurrencyCodec, MinorUnitsCodec } from '../../../domain/shared/money';
import {
  OutRefundNoCodec,
  OutTradeNoCodec,
  RefundIdCodec,
  SpMchidCodec,
  SubMchidCodec,
  TransactionIdCodec,
} from '../../../domain/shared/ids';
import { EncryptedResourceCodec } from './certificates';

/** Notification envelope and decrypted resources (reference §7.4). */

export const NotificationEnvelopeCodec = t.intersection([
  t.type({
    id: t.string,
    create_time: t.string,
    event_type: t.string,
    resource: EncryptedResourceCodec,
  }),
  t.partial({ resource_type: t.string, summary: t.string }),
]);

/**
 * The payment resource names the order `transaction_id` where the query says `id`; which one
 * Global sends is UNCONFIRMED (§7.4), so either is accepted.
 */
export const TransactionResourceCodec = t.intersection([
  t.type({
    sp_mchid: SpMchidCodec,
    sub_mchid: SubMchidCodec,
    out_trade_no: OutTradeNoCodec,
    trade_state: t.string,
    amount: t.intersection([
      t.type({ total: MinorUnitsCodec, currency: CurrencyCodec }),
      t.partial({ payer_total: t.number, payer_currency: t.string }),
    ]),
  }),
  t.partial({ transaction_id: TransactionIdCodec, id: TransactionIdCodec, success_time: t.string }),
]);

/** The refund resource spells a closed refund `CLOSED` (the query says `REFUNDCLOSE`, §6). */
export const RefundResourceCodec = t.intersection([
  t.type({
    sp_mchid: SpMchidCodec,
    sub_mchid: SubMchidCodec,
    out_trade_no: OutTradeNoCodec,
    transaction_id: TransactionIdCodec,
    out_refund_no: OutRefundNoCodec,
    refund_status: t.keyof(
      { SUCCESS: null, CLOSED: null, ABNORMAL: null, REFUNDCLOSE: null },
      'RefundNotificationStatus',
    ),
    amount: t.intersection([
      t.type({ total: MinorUnitsCodec, refund: MinorUnitsCodec, currency: CurrencyCodec }),
      t.partial({ payer_total: t.number, payer_refund: t.number }),
    ]),
  }),
  t.partial({ refund_id: RefundIdCodec, id: RefundIdCodec, success_time: t.string }),
]);
