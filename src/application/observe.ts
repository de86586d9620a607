import * as E from 'fp-ts/Either';
import { type Order, type Refund, money } from '../domain';
import type { GatewayOutcome, RefundInfo, Transaction } from '../ports';
import type { Currency } from '../domain';

/**
 * Gateway answers turned into domain observations (the status table in docs/architecture.md). Only verified
 * answers arrive as Success; everything unclear stays Unknown and is resolved by querying.
 */

const amountOf = (total: number, currency: Currency) => {
  const m = money(total, currency);
  return E.isRight(m) ? m.right : undefined;
};

export const observeTransaction = (tx: Transaction): Order.TradeObservation => {
  switch (tx.tradeState) {
    case 'SUCCESS':
    case 'REFUND': {
      const amount = amountOf(tx.amount.total, tx.amount.currency);
      return amount
        ? {
            kind: 'Paid',
            transactionId: tx.transactionId,
            amount,
            tradeState: tx.tradeState,
            successTime: tx.successTime,
          }
        : { kind: 'Unknown', reason: `unusable amount ${tx.amount.total} ${tx.amount.currency}` };
    }
    case 'USERPAYING':
    case 'NOTPAY':
      return { kind: 'Paying', tradeState: tx.tradeState };
    case 'ACCEPT':
      return { kind: 'Paying', tradeState: 'NOTPAY' };
    case 'PAYERROR':
      return { kind: 'PayFailed', code: 'PAYERROR', message: tx.tradeStateDesc ?? 'payment failed' };
    case 'REVOKED':
      return { kind: 'Revoked' };
    case 'CLOSED':
      return { kind: 'Closed' };
  }
};

/**
 * Codes that, answering a pay call, do not prove the payment failed: the order may exist and be
 * paid (ORDERPAID), or the number may already be in use. These are resolved by querying.
 */
const AMBIGUOUS_PAY_CODES = new Set(['ORDERPAID', 'ORDER_PAID', 'OUT_TRADE_NO_USED', 'TRADE_ERROR']);

export const observePayAnswer = (outcome: GatewayOutcome<Transaction>): Order.TradeObservation => {
  switch (outcome._tag) {
    case 'Success':
      return observeTransaction(outcome.value);
    case 'InProgress':
      return { kind: 'Paying', tradeState: 'USERPAYING' };
    case 'Rejected':
      return AMBIGUOUS_PAY_CODES.has(outcome.code)
        ? { kind: 'Unknown', reason: `pay answered ${outcome.code}` }
        : { kind: 'PayFailed', code: outcome.code, message: outcome.message };
    case 'NotFound':
      return { kind: 'Unknown', reason: `pay answered not found (${outcome.code})` };
    case 'Unknown':
      return { kind: 'Unknown', reason: `${outcome.reason}: ${outcome.detail}` };
  }
};

export const observeQueryAnswer = (outcome: GatewayOutcome<Transaction>): Order.TradeObservation => {
  switch (outcome._tag) {
    case 'Success':
      return observeTransaction(outcome.value);
    case 'InProgress':
      return { kind: 'Paying', tradeState: 'USERPAYING' };
    case 'NotFound':
      return { kind: 'NotFound' };
    case 'Rejected':
      // A refused query says nothing about the payment.
      return { kind: 'Unknown', reason: `query answered ${outcome.code}: ${outcome.message}` };
    case 'Unknown':
      return { kind: 'Unknown', reason: `${outcome.reason}: ${outcome.detail}` };
  }
};

/** Codes meaning the order is already closed or reversed: the reverse's goal is met; confirm by query. */
const ALREADY_REVERSED_CODES = new Set(['ORDER_CLOSED', 'ORDERCLOSED', 'ORDER_REVERSED', 'ORDERREVERSED']);

/**
 * Refusals that say "not now" rather than "never": the customer is still paying, or WeChat is busy.
 * They are unclear outcomes, retried; only a refusal outside this set is definite.
 */
const REVERSE_LATER_CODES = new Set([
  'TRADE_ERROR',
  'USERPAYING',
  'SYSTEMERROR',
  'SYSTEM_ERROR',
  'BANKERROR',
  'BIZERR_NEED_RETRY',
  'FREQUENCY_LIMITED',
  'FREQUENCY_LIMIT_EXCEED',
  'RATE_LIMITED',
]);

export const observeReverseAnswer = (
  outcome: GatewayOutcome<void>,
): Extract<Order.OrderCommand, { type: 'RecordReversalResult' }>['outcome'] => {
  switch (outcome._tag) {
    case 'Success':
      return { kind: 'Accepted' };
    case 'NotFound':
      return { kind: 'NotFound' };
    case 'Rejected':
      if (ALREADY_REVERSED_CODES.has(outcome.code)) return { kind: 'Accepted' };
      return REVERSE_LATER_CODES.has(outcome.code)
        ? { kind: 'Unknown', reason: `reverse answered ${outcome.code}: ${outcome.message}` }
        : { kind: 'Rejected', code: outcome.code, message: outcome.message };
    case 'InProgress':
      return { kind: 'Unknown', reason: 'reverse answered in progress' };
    case 'Unknown':
      return { kind: 'Unknown', reason: `${outcome.reason}: ${outcome.detail}` };
  }
};

export const observeRefundInfo = (info: RefundInfo): Refund.RefundObservation => {
  switch (info.status) {
    case undefined:
    case 'PROCESSING':
      return { kind: 'Processing', refundId: info.refundId };
    case 'SUCCESS': {
      const amount = amountOf(info.amount.refund, info.amount.currency);
      return amount
        ? { kind: 'Succeeded', refundId: info.refundId, amount, successTime: info.successTime }
        : { kind: 'Unknown', reason: `unusable amount ${info.amount.refund} ${info.amount.currency}` };
    }
    case 'REFUNDCLOSE':
      return { kind: 'Closed', refundId: info.refundId };
    case 'ABNORMAL':
      return { kind: 'Abnormal', refundId: info.refundId };
    default:
      return { kind: 'Unknown', reason: `unexpected refund status ${String(info.status)}` };
  }
};

/** Refused for now, not for good (reference §5.5): resubmit with the same out_refund_no later. */
const RETRYABLE_REFUND_CODES = new Set([
  'NOT_ENOUGH',
  'BIZERR_NEED_RETRY',
  'FREQUENCY_LIMITED',
  'FREQUENCY_LIMIT_EXCEED',
  'RATE_LIMITED',
  'SYSTEM_ERROR',
  'SYSTEMERROR',
]);

export const observeRefundAnswer = (
  outcome: GatewayOutcome<RefundInfo>,
  source: 'submit' | 'query',
): Refund.RefundObservation => {
  switch (outcome._tag) {
    case 'Success':
      return observeRefundInfo(outcome.value);
    case 'InProgress':
      return { kind: 'Processing', refundId: undefined };
    case 'NotFound':
      return source === 'query'
        ? { kind: 'NotFound' }
        : { kind: 'Rejected', code: outcome.code, message: outcome.message };
    case 'Rejected':
      if (RETRYABLE_REFUND_CODES.has(outcome.code)) {
        return { kind: 'Retryable', code: outcome.code, message: outcome.message };
      }
      return source === 'submit'
        ? { kind: 'Rejected', code: outcome.code, message: outcome.message }
        : { kind: 'Unknown', reason: `query answered ${outcome.code}: ${outcome.message}` };
    case 'Unknown':
      // A refund refused by rate limiting never reached WeChat's refund logic: retry later, same number.
      return outcome.reason === 'RateLimited' && source === 'submit'
        ? { kind: 'Retryable', code: 'RATE_LIMITED', message: outcome.detail }
        : { kind: 'Unknown', reason: `${outcome.reason}: ${outcome.detail}` };
  }
};
