import type { MoneyError } from './money';

/** Expected domain failures; mapped to HTTP in exactly one place (the merchant API adapter). */
export type DomainError =
  | MoneyError
  | { readonly _tag: 'OrderNotFound' }
  | { readonly _tag: 'OrderAlreadyExists'; readonly outTradeNo: string }
  | { readonly _tag: 'IllegalTransition'; readonly command: string; readonly status: string }
  | { readonly _tag: 'AlreadyDispatched' }
  | { readonly _tag: 'NotDispatched' }
  | { readonly _tag: 'AmountMismatch'; readonly expected: string; readonly actual: string }
  | { readonly _tag: 'RefundExceedsPaidTotal'; readonly refundable: number; readonly requested: number }
  | { readonly _tag: 'TooManyRefunds'; readonly limit: number }
  | { readonly _tag: 'RefundWindowExpired'; readonly paidAt: string }
  | { readonly _tag: 'RefundNumberConflict'; readonly outRefundNo: string }
  | { readonly _tag: 'RefundReservationNotFound'; readonly outRefundNo: string }
  | { readonly _tag: 'RefundNotFound' }
  | { readonly _tag: 'RefundAlreadyExists'; readonly outRefundNo: string }
  | { readonly _tag: 'InvalidRefundAmount' };

export const illegal = (command: string, status: string): DomainError => ({
  _tag: 'IllegalTransition',
  command,
  status,
});
