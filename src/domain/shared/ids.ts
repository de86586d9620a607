import * as t from 'io-ts';

/**
 * Identifiers as branded strings whose codecs enforce the API's formats (reference §5).
 * `:` can occur in none of them, so `{subMchid}:{number}` stream ids are unambiguous.
 */
const pattern = <B extends { readonly [K in N]: symbol }, N extends string>(name: N, re: RegExp) =>
  t.brand(t.string, (s): s is t.Branded<string, B> => re.test(s), name);

export interface SpMchidBrand {
  readonly SpMchid: unique symbol;
}
/** Institution (service-provider) merchant id: digits, string[1,32]. */
export const SpMchidCodec = pattern<SpMchidBrand, 'SpMchid'>('SpMchid', /^[0-9]{1,32}$/);
export type SpMchid = t.TypeOf<typeof SpMchidCodec>;

export interface SubMchidBrand {
  readonly SubMchid: unique symbol;
}
/** Sub-merchant id: digits, string[1,32]. */
export const SubMchidCodec = pattern<SubMchidBrand, 'SubMchid'>('SubMchid', /^[0-9]{1,32}$/);
export type SubMchid = t.TypeOf<typeof SubMchidCodec>;

export interface AppIdBrand {
  readonly AppId: unique symbol;
}
/** sp_appid / sub_appid: string[1,32]. */
export const AppIdCodec = pattern<AppIdBrand, 'AppId'>('AppId', /^[0-9A-Za-z_-]{1,32}$/);
export type AppId = t.TypeOf<typeof AppIdCodec>;

export interface OutTradeNoBrand {
  readonly OutTradeNo: unique symbol;
}
/**
 * Merchant order number: string[1,32] (§5.1). Global states no charset; we accept the
 * out_refund_no charset, which covers the domestic rule (digits, letters, `_-*`).
 */
export const OutTradeNoCodec = pattern<OutTradeNoBrand, 'OutTradeNo'>(
  'OutTradeNo',
  /^[0-9A-Za-z_\-|*@]{1,32}$/,
);
export type OutTradeNo = t.TypeOf<typeof OutTradeNoCodec>;

export interface OutRefundNoBrand {
  readonly OutRefundNo: unique symbol;
}
/** Merchant refund number: string[1,64] of `0-9a-zA-Z_-|*@` (§5.5). */
export const OutRefundNoCodec = pattern<OutRefundNoBrand, 'OutRefundNo'>(
  'OutRefundNo',
  /^[0-9A-Za-z_\-|*@]{1,64}$/,
);
export type OutRefundNo = t.TypeOf<typeof OutRefundNoCodec>;

export interface TransactionIdBrand {
  readonly TransactionId: unique symbol;
}
/** WeChat order number (`id` in Global responses): string[1,32]. */
export const TransactionIdCodec = pattern<TransactionIdBrand, 'TransactionId'>(
  'TransactionId',
  /^[0-9A-Za-z]{1,32}$/,
);
export type TransactionId = t.TypeOf<typeof TransactionIdCodec>;

export interface RefundIdBrand {
  readonly RefundId: unique symbol;
}
/** WeChat refund id: string[1,64]. */
export const RefundIdCodec = pattern<RefundIdBrand, 'RefundId'>('RefundId', /^[0-9A-Za-z]{1,64}$/);
export type RefundId = t.TypeOf<typeof RefundIdCodec>;

export interface AuthCodeBrand {
  readonly AuthCode: unique symbol;
}
/**
 * The customer's payment code: 18 digits (§7.1; prefixes 10–15, and 160 on a newer page).
 * A secret: it is never stored or shown whole. Use `maskAuthCode` for display.
 */
export const AuthCodeCodec = pattern<AuthCodeBrand, 'AuthCode'>('AuthCode', /^[0-9]{18}$/);
export type AuthCode = t.TypeOf<typeof AuthCodeCodec>;

/**
 * `134567********1234`: enough to recognise a code, not enough to reuse it. At least 8 characters
 * stay hidden, so a malformed (shorter) code that reaches an error message is not shown nearly whole.
 */
export const maskAuthCode = (code: string): string =>
  code.length < 18
    ? '*'.repeat(code.length)
    : `${code.slice(0, 6)}${'*'.repeat(code.length - 10)}${code.slice(-4)}`;

export interface MaskedAuthCodeBrand {
  readonly MaskedAuthCode: unique symbol;
}
export const MaskedAuthCodeCodec = pattern<MaskedAuthCodeBrand, 'MaskedAuthCode'>(
  'MaskedAuthCode',
  /^[0-9]{6}\*{8}[0-9]{4}$/,
);
export type MaskedAuthCode = t.TypeOf<typeof MaskedAuthCodeCodec>;

/** yyyyMMdd, as statements and settlements use (GMT+8 calendar days). */
export interface StatementDateBrand {
  readonly StatementDate: unique symbol;
}
export const StatementDateCodec = pattern<StatementDateBrand, 'StatementDate'>(
  'StatementDate',
  /^20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$/,
);
export type StatementDate = t.TypeOf<typeof StatementDateCodec>;

export const orderStreamId = (subMchid: SubMchid, outTradeNo: OutTradeNo): string =>
  `order-${subMchid}:${outTradeNo}`;
export const refundStreamId = (subMchid: SubMchid, outRefundNo: OutRefundNo): string =>
  `refund-${subMchid}:${outRefundNo}`;
export const reconciliationStreamId = (spMchid: SpMchid, date: StatementDate): string =>
  `reconciliation-${spMchid}:${date}`;

/** The category is everything before the first `-` (EventStoreDB's `$by_category` rule). */
export const streamCategory = (streamId: string): string =>
  streamId.slice(0, Math.max(0, streamId.indexOf('-')));
