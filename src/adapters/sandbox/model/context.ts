import { hash } from 'node:crypto';
import type { Records } from '../state/records';
import type { SandboxTime } from '../time';
import { gmt8Date } from '../time';
import type { Order, Refund } from './types';

/** Settings of the business rules; every one has a default in `index.ts`. */
export interface RuleSettings {
  readonly spMchid: string;
  readonly spAppid: string;
  readonly userPayingAs: 'http202' | 'errorCode' | 'tradeState';
  /** Above this amount (minor units) a "success" code asks for a password first (§7.1: 1000 vs 3000 CNY). */
  readonly passwordFreeLimit: number;
  readonly passwordEntrySeconds: number;
  /** Fee on payments in basis points (statements and settlements). */
  readonly feeBasisPoints: number;
  /** Business seconds from PROCESSING to each outcome; settable at run time (POST /sandbox/refunds/delays). */
  readonly refundDelaySeconds: {
    SUCCESS: number;
    REFUNDCLOSE: number;
    ABNORMAL: number;
  };
  readonly defaultRefundOutcome: 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL';
  /** Statement header language (a control may change it at run time). */
  readonly statementHeader: 'en' | 'zh';
  /** Hours after the GMT+8 midnight closing a day before its statement exists. */
  readonly statementReadyAfterHours: number;
}

/**
 * Faults on the reverse endpoint, counted down as reverse calls arrive: `errors` calls answer 500
 * with nothing done, then `hangs` calls are carried out but never answered (the client's timeout).
 */
export interface ReverseFaults {
  errors: number;
  hangs: number;
}

export interface RefundRefusal {
  readonly code: RefundRefusalCode;
  /** Submissions still to refuse; absent: no count limit. */
  remaining?: number;
  /** Business time (ms) until which submissions are refused; absent: no time limit. */
  readonly until?: number;
}

export type RefundRefusalCode = 'NOT_ENOUGH' | 'FREQUENCY_LIMITED' | 'SYSTEM_ERROR';

/** Ids of records with a pending transition, kept in memory so a tick does not scan everything. */
export interface ActiveSet {
  readonly orders: Set<string>;
  readonly refunds: Set<string>;
}

export interface EngineContext {
  readonly active: ActiveSet;
  readonly records: Records;
  readonly time: SandboxTime;
  readonly settings: RuleSettings;
  /** Mutable at run time through the control API. */
  readonly controls: {
    nextRefundOutcome?: 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL';
    reverseFaults?: ReverseFaults;
    /** Overrides `settings.statementHeader`. */
    statementHeader?: 'en' | 'zh';
    /** New refund submissions are refused "for now" with this code, for a count and/or until a time. */
    refundRefusal?: RefundRefusal;
  };
  /** `at`: business time the refund reached its outcome. */
  readonly onRefundFinal: (refund: Refund, order: Order, at: number) => void;
}

// One-shot: two hashes per pay (auth code, fingerprint) without a Hash object each.
export const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** 28-digit WeChat-style numbers: a product prefix, the GMT+8 date, and a sequence. */
export const newTransactionId = (context: EngineContext): string =>
  `42000${gmt8Date(context.time.now())}${String(context.records.nextSequence('transaction')).padStart(15, '0')}`;

export const newRefundId = (context: EngineContext): string =>
  `50300${gmt8Date(context.time.now())}${String(context.records.nextSequence('refund')).padStart(15, '0')}`;

export const feeOf = (context: EngineContext, amount: number): number =>
  Math.round((amount * context.settings.feeBasisPoints) / 10_000);

/** Records the payment on the ledger: the single place money enters (§5.1 SUCCESS). */
export const markPaid = (context: EngineContext, order: Order, at: number): void => {
  order.tradeState = 'SUCCESS';
  order.successTime = at;
  delete order.pending;
  context.records.appendLedger({
    at,
    subMchid: order.subMchid,
    currency: order.currency,
    kind: 'PAYMENT',
    amount: order.total,
    fee: feeOf(context, order.total),
    transactionId: order.id,
    outTradeNo: order.outTradeNo,
  });
};
