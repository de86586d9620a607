import * as t from 'io-ts';
import {
  AppIdCodec,
  AuthCodeCodec,
  OutRefundNoCodec,
  OutTradeNoCodec,
  StatementDateCodec,
  SubMchidCodec,
} from '../../../domain/shared/ids';
import { CurrencyCodec, MinorUnitsCodec } from '../../../domain/shared/money';

/**
 * Wire shapes of the merchant API, in its own snake_case names (docs/architecture.md: WeChat's names stay at the
 * edge). Lengths follow the WeChat fields they are passed on to (reference §5.1, §5.5). Extra fields
 * are tolerated; a missing or ill-typed field is named in the 400.
 */

interface TextBrand {
  readonly Text: unique symbol;
}
const text = (min: number, max: number) =>
  t.brand(
    t.string,
    (s): s is t.Branded<string, TextBrand> => s.length >= min && s.length <= max,
    // The name carries the bounds into the field error ("must be a string of 1-127 characters").
    `Text${min}-${max}` as 'Text',
  );

interface PositiveMinorUnitsBrand {
  readonly PositiveMinorUnits: unique symbol;
}
/** A payment or refund of zero is meaningless to WeChat; a float is never money (docs/architecture.md). */
const PositiveMinorUnits = t.brand(
  MinorUnitsCodec,
  (n): n is t.Branded<t.TypeOf<typeof MinorUnitsCodec>, PositiveMinorUnitsBrand> => n > 0,
  'PositiveMinorUnits',
);

const StoreInfoBody = t.intersection([
  t.type({ name: text(1, 256), address: text(1, 512) }),
  t.partial({ id: text(1, 32) }),
]);

const SceneInfoBody = t.partial({
  device_id: text(1, 32),
  device_ip: text(1, 64),
  payer_client_ip: text(1, 64),
  operator_id: text(1, 32),
  store_info: StoreInfoBody,
});

export const CreatePaymentBodyCodec = t.intersection([
  t.type({
    sub_mchid: SubMchidCodec,
    out_trade_no: OutTradeNoCodec,
    auth_code: AuthCodeCodec,
    amount: t.type({ total: PositiveMinorUnits, currency: CurrencyCodec }),
    description: text(1, 127),
  }),
  t.partial({
    attach: text(1, 127),
    goods_tag: text(1, 32),
    merchant_category_code: text(1, 16),
    sub_appid: AppIdCodec,
    scene_info: SceneInfoBody,
  }),
]);
export type CreatePaymentBody = t.TypeOf<typeof CreatePaymentBodyCodec>;

export const CreateRefundBodyCodec = t.intersection([
  t.type({
    out_refund_no: OutRefundNoCodec,
    amount: t.type({ refund: PositiveMinorUnits, currency: CurrencyCodec }),
  }),
  t.partial({ reason: text(1, 80) }),
]);
export type CreateRefundBody = t.TypeOf<typeof CreateRefundBodyCodec>;

/** An operator's resolution of a NeedsReview item, with the evidence for it. */
export const ResolvePaymentReviewBodyCodec = t.type({
  resolution: t.keyof({ SUCCEEDED: null, FAILED: null, REVERSED: null, CLOSED: null }),
  note: text(1, 1000),
});
export const ResolveRefundReviewBodyCodec = t.type({
  resolution: t.keyof({ SUCCEEDED: null, CLOSED: null, REJECTED: null }),
  note: text(1, 1000),
});

export const PaymentParamsCodec = t.type({ sub_mchid: SubMchidCodec, out_trade_no: OutTradeNoCodec });
export const RefundParamsCodec = t.type({ sub_mchid: SubMchidCodec, out_refund_no: OutRefundNoCodec });
export const DateParamsCodec = t.type({ date: StatementDateCodec });

export const MAX_WAIT_SECONDS = 60;

interface WaitSecondsBrand {
  readonly WaitSeconds: unique symbol;
}
/** `?wait=N`: bounded so one request cannot hold a connection open indefinitely. */
const WaitSeconds = t.brand(
  t.string,
  (s): s is t.Branded<string, WaitSecondsBrand> => /^[0-9]{1,2}$/.test(s) && Number(s) <= MAX_WAIT_SECONDS,
  'WaitSeconds',
);
export const WaitQueryCodec = t.partial({ wait: WaitSeconds });

/** The decoded `?wait`, in milliseconds; 0 when absent. */
export const waitMs = (wait: string | undefined): number => (wait === undefined ? 0 : Number(wait) * 1000);

export const SettlementsQueryCodec = t.intersection([
  t.type({ settle_state: t.keyof({ SETTLED: null, UNSETTLE: null }, 'SettleState') }),
  t.partial({ start_date: StatementDateCodec, end_date: StatementDateCodec, sub_mchid: SubMchidCodec }),
]);
export type SettlementsQuery = t.TypeOf<typeof SettlementsQueryCodec>;
