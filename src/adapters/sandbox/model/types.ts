/** The sandbox's own records: what apihk would hold for an institution (reference §5, §6). */

export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export type RefundStatus = 'SUCCESS' | 'REFUNDCLOSE' | 'PROCESSING' | 'ABNORMAL';

/** A transition the order will make by itself at `at` (business time) unless something intervenes. */
export interface PendingTransition {
  readonly at: number;
  readonly to: 'SUCCESS' | 'PAYERROR' | 'REVOKED';
}

export interface Order {
  readonly id: string;
  readonly spMchid: string;
  readonly spAppid: string;
  readonly subMchid: string;
  readonly subAppid?: string;
  readonly outTradeNo: string;
  readonly description: string;
  readonly attach?: string;
  readonly deviceId?: string;
  readonly total: number;
  readonly currency: string;
  /** SHA-256 of the auth code: the code itself is a secret and is never stored or echoed. */
  readonly authCodeHash: string;
  /** Hash of every submitted parameter: a resubmission must match it exactly. */
  readonly fingerprint: string;
  readonly scenario: string;
  readonly createdAt: number;
  tradeState: TradeState;
  successTime?: number;
  pending?: PendingTransition;
  /** Scenario 04: reverse is refused while the customer is entering the password (§5.3 FAQ). */
  readonly refusesReverseWhilePaying: boolean;
  readonly openid: string;
}

export interface Refund {
  readonly id: string;
  readonly outRefundNo: string;
  readonly spMchid: string;
  readonly subMchid: string;
  readonly transactionId: string;
  readonly outTradeNo: string;
  readonly refund: number;
  readonly total: number;
  readonly currency: string;
  readonly reason?: string;
  readonly source: string;
  readonly notifyUrl?: string;
  readonly fingerprint: string;
  readonly createdAt: number;
  status: RefundStatus;
  successTime?: number;
  pending?: { readonly at: number; readonly to: 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL' };
}

/** Money moved, per sub-merchant and currency: the truth statements and settlements are built from. */
export interface LedgerEntry {
  readonly seq: number;
  readonly at: number;
  readonly subMchid: string;
  readonly currency: string;
  readonly kind: 'PAYMENT' | 'REFUND';
  /** Positive minor units; a REFUND entry takes money back. */
  readonly amount: number;
  /** Fee charged on a payment, in minor units (0 on refunds). */
  readonly fee: number;
  readonly transactionId: string;
  readonly outTradeNo: string;
  readonly refundId?: string;
  readonly outRefundNo?: string;
  /** A refund made by reversing a paid order (§5.3) rather than through /v3/global/refunds. */
  readonly cause?: 'REFUND' | 'REVERSAL';
}

export const isFinalTradeState = (state: TradeState): boolean => state !== 'USERPAYING' && state !== 'NOTPAY';
