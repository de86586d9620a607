import * as t from 'io-ts';
import { isAcceptableNotifyUrl } from '../notify-url';

/**
 * Request bodies as the API documents them (reference §5.1, §5.5): what we are about to send is
 * checked against the documented limits, so a request WeChat would refuse never leaves, and the
 * refusal names the field.
 */

const refined = <A>(name: string, is: (u: unknown) => u is A) =>
  new t.Type<A, A, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity);

/** string[min,max] as the API pages write it, counted in characters. */
const text = (min: number, max: number) =>
  refined(
    `string[${min},${max}]`,
    (u): u is string => typeof u === 'string' && [...u].length >= min && [...u].length <= max,
  );

const positiveInteger = refined(
  'PositiveInteger',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u > 0,
);

/** §7.3; the rule lives in `notify-url.ts`, shared with the start-up check. */
const notifyUrl = refined('HttpsUrlWithoutQuery', isAcceptableNotifyUrl);

export const PayRequestBodyCodec = t.intersection([
  t.type({
    sp_mchid: text(1, 32),
    sp_appid: text(1, 32),
    sub_mchid: text(1, 32),
    description: text(1, 127),
    out_trade_no: text(1, 32),
    trade_type: t.literal('MICROPAY'),
    merchant_category_code: text(1, 16),
    payer: t.type({ auth_code: t.string }),
    amount: t.type({ total: positiveInteger, currency: t.string }),
  }),
  t.partial({
    sub_appid: text(1, 32),
    attach: text(1, 127),
    goods_tag: text(1, 32),
    limit_pay: text(1, 32),
    scene_info: t.partial({ store_info: t.type({ name: t.string, address: t.string }) }),
  }),
]);

export const RefundRequestBodyCodec = t.intersection([
  t.type({
    sp_mchid: text(1, 32),
    sp_appid: text(1, 32),
    sub_mchid: text(1, 32),
    out_refund_no: text(1, 64),
    amount: t.type({ refund: positiveInteger, total: positiveInteger, currency: t.string }),
  }),
  t.union([t.type({ transaction_id: text(1, 32) }), t.type({ out_trade_no: text(1, 32) })]),
  t.partial({
    sub_appid: text(1, 32),
    reason: text(1, 80),
    source: text(1, 30),
    notify_url: notifyUrl,
  }),
]);
