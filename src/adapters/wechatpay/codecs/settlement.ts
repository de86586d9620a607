import * as t from 'io-ts';
import type { Settlement } from '../../../ports/wechat-pay-gateway';
import { opt } from './decode';

/** Settlement query page (reference §5.9). */

const SettlementWireCodec = t.intersection([
  t.type({
    batch_id: t.string,
    amount: t.intersection([
      t.type({ currency: t.string }),
      t.partial({
        settled: t.number,
        unsettle: t.number,
        pay: t.number,
        refund: t.number,
        net: t.number,
        fee: t.number,
      }),
    ]),
  }),
  t.partial({
    settlement_date: t.string,
    trade_start_date: t.string,
    trade_end_date: t.string,
    wallet_region: t.string,
  }),
]);
type SettlementWire = t.TypeOf<typeof SettlementWireCodec>;

export const SettlementPageCodec = t.intersection([
  t.type({ total_count: t.number }),
  t.partial({ data: t.array(SettlementWireCodec), offset: t.number, limit: t.number }),
]);

export const toSettlement = (w: SettlementWire): Settlement => ({
  batchId: w.batch_id,
  ...opt('settlementDate', w.settlement_date),
  ...opt('tradeStartDate', w.trade_start_date),
  ...opt('tradeEndDate', w.trade_end_date),
  ...opt('walletRegion', w.wallet_region),
  amount: {
    currency: w.amount.currency,
    ...opt('settled', w.amount.settled),
    ...opt('unsettle', w.amount.unsettle),
    ...opt('pay', w.amount.pay),
    ...opt('refund', w.amount.refund),
    ...opt('net', w.amount.net),
    ...opt('fee', w.amount.fee),
  },
});
