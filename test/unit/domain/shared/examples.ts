import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';
import {
  AuthCodeCodec,
  MaskedAuthCodeCodec,
  OutRefundNoCodec,
  OutTradeNoCodec,
  RefundIdCodec,
  SpMchidCodec,
  SubMchidCodec,
  TransactionIdCodec,
  addMillis,
  maskAuthCode,
  unsafeMoney,
  type Currency,
  type Money,
} from '../../../../src/domain';

/** Decodes a constant known to be valid; a failure here is a mistake in the test itself. */
export const valid = <A>(codec: t.Type<A, unknown>, value: unknown): A => {
  const decoded = codec.decode(value);
  if (E.isLeft(decoded)) throw new Error(`not a valid ${codec.name}: ${JSON.stringify(value)}`);
  return decoded.right;
};

/** Every example starts at T0; `at(ms)` is T0 plus ms, as ISO 8601. */
export const T0 = '2026-03-02T08:00:00.000Z';
export const at = (ms: number): string => addMillis(T0, ms);
export const SECOND = 1_000;

export const spMchid = valid(SpMchidCodec, '1900000100');
export const subMchid = valid(SubMchidCodec, '1900000109');
export const outTradeNo = valid(OutTradeNoCodec, 'ORDER-20260302-0001');
export const transactionId = valid(TransactionIdCodec, '4200000001202603020000000001');
export const otherTransactionId = valid(TransactionIdCodec, '4200000001202603029999999999');
export const authCode = valid(AuthCodeCodec, '134567890123451234');
export const authCodeMasked = valid(MaskedAuthCodeCodec, maskAuthCode(authCode));
export const refundNo = (n: number) => valid(OutRefundNoCodec, `REFUND-${n}`);
export const refundId = valid(RefundIdCodec, '50300000012026030200000000001');

export const hkd = (amount: number): Money => unsafeMoney(amount, 'HKD');
export const moneyOf = (amount: number, currency: Currency): Money => unsafeMoney(amount, currency);
