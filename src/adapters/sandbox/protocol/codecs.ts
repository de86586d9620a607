import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { errorReply, type Reply } from '../http/reply';

/**
 * Request shapes the sandbox accepts (reference §5), with the documented length limits. Extra
 * fields are tolerated; a missing or ill-typed one is a 400 PARAM_ERROR naming it (§1 detail.field).
 */

const bounded = (max: number, name: string) =>
  t.refinement(t.string, (s) => s.length >= 1 && s.length <= max, `${name}[1,${max}]`);
const nonNegativeInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'int≥0');
const positiveInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, 'int>0');
const currency = t.refinement(t.string, (s) => /^[A-Z]{3}$/.test(s), 'ISO-4217');

export const PayRequestCodec = t.intersection([
  t.type({
    sp_mchid: bounded(32, 'string'),
    sp_appid: bounded(32, 'string'),
    sub_mchid: bounded(32, 'string'),
    description: bounded(127, 'string'),
    out_trade_no: bounded(32, 'string'),
    trade_type: bounded(16, 'string'),
    merchant_category_code: bounded(16, 'string'),
    payer: t.type({ auth_code: bounded(128, 'string') }),
    amount: t.type({ total: positiveInt, currency }),
  }),
  t.partial({
    sub_appid: bounded(32, 'string'),
    attach: bounded(127, 'string'),
    goods_tag: bounded(32, 'string'),
    limit_pay: bounded(32, 'string'),
    scene_info: t.partial({ device_id: t.string }),
  }),
]);
export type PayRequestBody = t.TypeOf<typeof PayRequestCodec>;

export const MchidsBodyCodec = t.type({ sp_mchid: bounded(32, 'string'), sub_mchid: bounded(32, 'string') });

export const RefundRequestCodec = t.intersection([
  t.type({
    sp_mchid: bounded(32, 'string'),
    sp_appid: bounded(32, 'string'),
    sub_mchid: bounded(32, 'string'),
    out_refund_no: t.refinement(t.string, (s) => /^[0-9A-Za-z_\-|*@]{1,64}$/.test(s), 'out_refund_no'),
    amount: t.type({ refund: positiveInt, total: positiveInt, currency }),
  }),
  t.partial({
    sub_appid: bounded(32, 'string'),
    transaction_id: bounded(32, 'string'),
    out_trade_no: bounded(32, 'string'),
    reason: bounded(80, 'string'),
    source: bounded(30, 'string'),
    notify_url: bounded(256, 'string'),
  }),
]);
export type RefundRequestBody = t.TypeOf<typeof RefundRequestCodec>;

export const MchidsQueryCodec = t.type({ sp_mchid: bounded(32, 'string'), sub_mchid: bounded(32, 'string') });

export const RefundListQueryCodec = t.intersection([
  MchidsQueryCodec,
  t.partial({ transaction_id: bounded(32, 'string'), out_trade_no: bounded(32, 'string') }),
  t.partial({ offset: t.string, count: t.string }),
]);

export const StatementQueryCodec = t.type({
  date: t.refinement(t.string, (s) => /^[0-9]{8}$/.test(s), 'yyyyMMdd'),
  mchid: bounded(32, 'string'),
});

export const SettlementQueryCodec = t.intersection([
  t.type({ settle_state: t.keyof({ SETTLED: null, UNSETTLE: null }) }),
  t.partial({
    sub_mchid: bounded(32, 'string'),
    settle_start_date: t.refinement(t.string, (s) => /^[0-9]{8}$/.test(s), 'yyyyMMdd'),
    settle_end_date: t.refinement(t.string, (s) => /^[0-9]{8}$/.test(s), 'yyyyMMdd'),
    offset: t.string,
    limit: t.string,
  }),
]);

export const integerParam = nonNegativeInt;

const pointer = (error: t.ValidationError, location: 'body' | 'query'): string => {
  const keys = error.context.map((entry) => entry.key).filter((key) => key !== '' && !/^[0-9]+$/.test(key));
  return location === 'body' ? `#/properties/${keys.join('/properties/')}` : keys.join('.');
};

/** Decodes or answers 400 PARAM_ERROR with detail.field naming the first failing field. */
export const decode = <A>(
  codec: t.Type<A, unknown, unknown>,
  input: unknown,
  location: 'body' | 'query',
): E.Either<Reply, A> => {
  // These codecs only check, never transform, so an input their guard accepts decodes to itself;
  // the guard skips the context and Either allocations of a full decode, which only a failure needs.
  if (codec.is(input)) return E.right(input);
  return E.mapLeft((errors: t.Errors) => {
    const first = errors[0];
    const field = first === undefined ? '#' : pointer(first, location);
    const expected = first?.context[first.context.length - 1]?.type.name ?? 'value';
    return errorReply(400, 'PARAM_ERROR', `${field} is missing or not ${expected}`, {
      field,
      issue: `expected ${expected}`,
      location,
    });
  })(codec.decode(input));
};

/** Parses a JSON body, answering 400 PARAM_ERROR when it is not JSON. */
export const parseJsonBody = (body: Buffer): E.Either<Reply, unknown> =>
  E.tryCatch(
    () => JSON.parse(body.toString('utf8')) as unknown,
    () =>
      errorReply(400, 'PARAM_ERROR', 'body is not valid JSON', { issue: 'invalid json', location: 'body' }),
  );
