import type { DomainError } from '../../../domain/shared/errors';
import type { ApiError } from '../../../ports/payment-api';

/**
 * The one place where failures become HTTP (docs/architecture.md: "mapped to HTTP status and problem+json in
 * exactly one place"). Bodies follow RFC 9457 `application/problem+json`, plus a `code` that clients
 * may branch on: codes are stable, so renaming an internal tag must never change one.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** WeChat's own error code, when WeChat refused the operation. */
  readonly wechat_code?: string;
  /** Seconds after which a retry may succeed; also sent as the `Retry-After` header. */
  readonly retry_after?: number;
  /** For NOT_READY: which readiness check failed. */
  readonly checks?: Readonly<Record<string, boolean>>;
  /** For STATEMENT_NOT_READY: when that day's statement can be had (ISO 8601), when known. */
  readonly available_from?: string;
}

const CATALOGUE = {
  VALIDATION_FAILED: [400, 'The request is invalid'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  UNAUTHORIZED: [401, 'A valid bearer token is required'],
  ROUTE_NOT_FOUND: [404, 'No such route'],
  PAYMENT_NOT_FOUND: [404, 'No such payment'],
  REFUND_NOT_FOUND: [404, 'No such refund'],
  RECONCILIATION_NOT_FOUND: [404, 'No reconciliation for this date'],
  OUT_TRADE_NO_USED: [409, 'This out_trade_no is already used by a different payment'],
  OUT_REFUND_NO_USED: [409, 'This out_refund_no is already used by a different refund'],
  PAYLOAD_TOO_LARGE: [413, 'The request body is too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'The request body must be JSON'],
  ILLEGAL_TRANSITION: [422, 'The payment or refund is not in a state that allows this'],
  CURRENCY_MISMATCH: [422, 'Amounts in different currencies cannot be combined'],
  INVALID_AMOUNT: [422, 'The amount is invalid'],
  REFUND_EXCEEDS_PAID_TOTAL: [422, 'The refund exceeds what remains refundable'],
  TOO_MANY_REFUNDS: [422, 'The payment has reached the refund limit'],
  REFUND_WINDOW_EXPIRED: [422, 'The refund window for this payment has closed'],
  AMOUNT_MISMATCH: [422, 'The amounts do not agree with the payment'],
  STATEMENT_NOT_READY: [409, "WeChat's statement for this date is not available yet"],
  STATEMENT_DATE_OUT_OF_RANGE: [422, 'Statements can only be had for the last 180 days'],
  NOTIFICATION_REJECTED: [400, 'The notification was rejected'],
  INTERNAL_ERROR: [500, 'Internal error'],
  GATEWAY_FAILED: [502, 'WeChat Pay refused or failed the operation'],
  SERVICE_UNAVAILABLE: [503, 'The service is temporarily unavailable'],
  NOT_READY: [503, 'The service is not ready'],
  PLATFORM_TRUST_PENDING: [503, 'WeChat Pay platform certificates are not loaded yet; retry shortly'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof CATALOGUE;

/** Every code a client may see; the OpenAPI document must list exactly these. */
export const PROBLEM_CODES = Object.keys(CATALOGUE) as readonly ProblemCode[];

export const problem = (
  code: ProblemCode,
  extra: {
    readonly detail?: string;
    readonly errors?: readonly FieldError[];
    readonly wechat_code?: string;
    readonly available_from?: string;
  } = {},
): Problem => {
  const [status, title] = CATALOGUE[code];
  return { type: `urn:wpg:problem:${code.toLowerCase().replace(/_/g, '-')}`, title, status, code, ...extra };
};

/** Exhaustive by type: a new domain error tag does not compile until it has a stable code here. */
const DOMAIN_CODES: Record<DomainError['_tag'], ProblemCode> = {
  OrderNotFound: 'PAYMENT_NOT_FOUND',
  OrderAlreadyExists: 'OUT_TRADE_NO_USED',
  IllegalTransition: 'ILLEGAL_TRANSITION',
  AlreadyDispatched: 'ILLEGAL_TRANSITION',
  NotDispatched: 'ILLEGAL_TRANSITION',
  AmountMismatch: 'AMOUNT_MISMATCH',
  RefundExceedsPaidTotal: 'REFUND_EXCEEDS_PAID_TOTAL',
  TooManyRefunds: 'TOO_MANY_REFUNDS',
  RefundWindowExpired: 'REFUND_WINDOW_EXPIRED',
  RefundNumberConflict: 'OUT_REFUND_NO_USED',
  RefundAlreadyExists: 'OUT_REFUND_NO_USED',
  RefundReservationNotFound: 'REFUND_NOT_FOUND',
  RefundNotFound: 'REFUND_NOT_FOUND',
  InvalidRefundAmount: 'INVALID_AMOUNT',
  CurrencyMismatch: 'CURRENCY_MISMATCH',
  InvalidAmount: 'INVALID_AMOUNT',
  UnknownCurrency: 'INVALID_AMOUNT',
  NegativeResult: 'INVALID_AMOUNT',
};

/** Details a merchant can act on; values that could carry secrets are never echoed. */
const domainDetail = (error: DomainError): string | undefined => {
  switch (error._tag) {
    case 'OrderAlreadyExists':
      return `out_trade_no ${error.outTradeNo} was first used with a different request`;
    case 'RefundNumberConflict':
    case 'RefundAlreadyExists':
      return `out_refund_no ${error.outRefundNo} was first used with a different request`;
    case 'IllegalTransition':
      return `${error.command} is not allowed while the status is ${error.status}`;
    case 'RefundExceedsPaidTotal':
      return `requested ${error.requested}, refundable ${error.refundable} (minor units)`;
    case 'TooManyRefunds':
      return `at most ${error.limit} refunds per payment`;
    case 'RefundWindowExpired':
      return `paid at ${error.paidAt}`;
    case 'CurrencyMismatch':
      return `${error.left} and ${error.right}`;
    case 'AmountMismatch':
      return `expected ${error.expected}, got ${error.actual}`;
    default:
      return undefined;
  }
};

const withDetail = (code: ProblemCode, detail: string | undefined): Problem =>
  detail === undefined ? problem(code) : problem(code, { detail });

export const domainProblem = (error: DomainError): Problem =>
  withDetail(DOMAIN_CODES[error._tag], domainDetail(error));

export const apiProblem = (error: ApiError): Problem => {
  switch (error._tag) {
    case 'DomainRejected':
      return domainProblem(error.error);
    case 'NotFound':
      return problem(
        error.resource === 'payment'
          ? 'PAYMENT_NOT_FOUND'
          : error.resource === 'refund'
            ? 'REFUND_NOT_FOUND'
            : 'RECONCILIATION_NOT_FOUND',
      );
    case 'Unavailable':
      // The message may describe infrastructure (paths, hosts): it goes to the log, not the client.
      return problem('SERVICE_UNAVAILABLE');
    case 'GatewayFailed':
      return problem('GATEWAY_FAILED', {
        detail: error.code === undefined ? error.outcome : `${error.outcome}: ${error.message}`,
        ...(error.code === undefined ? {} : { wechat_code: error.code }),
      });
    case 'NotificationRejected':
      return problem('NOTIFICATION_REJECTED', { detail: error.error._tag });
    case 'InvalidRequest':
      return problem('VALIDATION_FAILED', { detail: error.detail });
    case 'StatementNotReady':
      return problem('STATEMENT_NOT_READY', {
        detail: error.message,
        ...(error.availableFrom === undefined ? {} : { available_from: error.availableFrom }),
      });
    case 'StatementOutOfRange':
      return problem('STATEMENT_DATE_OUT_OF_RANGE', { detail: error.message });
    case 'PlatformTrustPending':
      return {
        ...problem('PLATFORM_TRUST_PENDING', {
          detail: 'no payment was sent: its answer could not have been verified yet',
        }),
        retry_after: error.retryAfterSeconds,
      };
  }
};

/** Errors raised by fastify itself (body parsing, limits), by HTTP status. */
export const frameworkProblem = (statusCode: number | undefined): Problem => {
  if (statusCode === 413) return problem('PAYLOAD_TOO_LARGE');
  if (statusCode === 415) return problem('UNSUPPORTED_MEDIA_TYPE');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return problem('MALFORMED_REQUEST');
  return problem('INTERNAL_ERROR');
};

// The webhook answers in WeChat's own shape, not problem+json: see ../webhook-handler.ts.
