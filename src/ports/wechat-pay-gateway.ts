import type * as T from 'fp-ts/Task';
import type { Currency, Money } from '../domain/shared/money';
import type {
  AppId,
  AuthCode,
  OutRefundNo,
  OutTradeNo,
  RefundId,
  StatementDate,
  SubMchid,
  TransactionId,
} from '../domain/shared/ids';

/**
 * WeChat Pay Global APIv3, institution mode: one method per operation in reference §5.
 * The adapter signs requests with the institution's key (`sp_mchid` is configured), verifies every
 * 2xx answer, and decodes it. Names inside are camelCase; WeChat's snake_case stays in the adapter.
 *
 * Every call resolves (never rejects) to an outcome:
 * - Success: a verified, decoded answer.
 * - InProgress: the customer is still paying (USERPAYING as HTTP 202, as `code`, or as `trade_state`).
 * - Rejected: a definite business or parameter error; WeChat's code and message are kept.
 * - Unknown: no trustworthy answer (timeout, connection error, 5xx, SYSTEM_ERROR/SYSTEMERROR/BANKERROR,
 *   a 2xx whose signature does not verify, an unparsable body). The operation may or may not have
 *   taken effect: callers must find out by querying, never assume.
 * - NotFound: HTTP 404, whatever the code's spelling (ORDER_NOT_EXIST, NOT_FOUND, RESOURCE_NOT_EXISTS).
 *
 * Pay is never retried by the adapter. Idempotent reads may be retried on Unknown.
 */

export type UnknownReason =
  | 'Timeout'
  | 'ConnectionError'
  | 'ServerError'
  | 'SystemError'
  | 'UnverifiedResponse'
  | 'MalformedResponse'
  | 'RateLimited';

export type GatewayOutcome<A> =
  | { readonly _tag: 'Success'; readonly value: A; readonly requestId?: string }
  | { readonly _tag: 'InProgress'; readonly tradeState: 'USERPAYING'; readonly requestId?: string }
  | {
      readonly _tag: 'Rejected';
      readonly httpStatus: number;
      readonly code: string;
      readonly message: string;
      readonly requestId?: string;
    }
  | {
      readonly _tag: 'Unknown';
      readonly reason: UnknownReason;
      readonly detail: string;
      readonly requestId?: string;
    }
  | {
      readonly _tag: 'NotFound';
      readonly code: string;
      readonly message: string;
      readonly requestId?: string;
    };

export type TradeState =
  'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR' | 'ACCEPT';

export interface Transaction {
  readonly transactionId: TransactionId;
  readonly subMchid: SubMchid;
  readonly outTradeNo: OutTradeNo;
  readonly tradeType: string;
  readonly tradeState: TradeState;
  readonly tradeStateDesc?: string;
  readonly bankType?: string;
  readonly attach?: string;
  /** RFC 3339 */
  readonly successTime?: string;
  readonly amount: {
    readonly total: number;
    readonly currency: Currency;
    readonly payerTotal?: number;
    readonly payerCurrency?: string;
    readonly exchangeRate?: { readonly type: string; readonly rate: number };
  };
  readonly payer?: { readonly spOpenid?: string; readonly subOpenid?: string };
}

export interface SceneInfo {
  readonly deviceId?: string;
  readonly deviceIp?: string;
  readonly payerClientIp?: string;
  readonly operatorId?: string;
  readonly storeInfo?: { readonly id?: string; readonly name: string; readonly address: string };
}

export interface PayRequest {
  readonly subMchid: SubMchid;
  readonly subAppid?: AppId;
  readonly outTradeNo: OutTradeNo;
  readonly description: string;
  readonly authCode: AuthCode;
  readonly amount: Money;
  readonly merchantCategoryCode: string;
  readonly attach?: string;
  readonly goodsTag?: string;
  readonly limitPay?: 'no_credit';
  readonly sceneInfo?: SceneInfo;
}

export type OrderRef =
  | { readonly subMchid: SubMchid; readonly outTradeNo: OutTradeNo }
  | { readonly subMchid: SubMchid; readonly transactionId: TransactionId };

export type RefundStatus = 'SUCCESS' | 'REFUNDCLOSE' | 'PROCESSING' | 'ABNORMAL';

export interface RefundInfo {
  readonly refundId: RefundId;
  readonly outRefundNo: OutRefundNo;
  readonly transactionId?: TransactionId;
  readonly outTradeNo?: OutTradeNo;
  /** Absent on a create answer that carries none (UNCONFIRMED whether Global sends it; §5.5). */
  readonly status?: RefundStatus;
  readonly channel?: string;
  readonly recvAccount?: string;
  readonly fundSource?: string;
  readonly successTime?: string;
  readonly createTime?: string;
  readonly amount: {
    readonly refund: number;
    readonly currency: Currency;
    readonly payerRefund?: number;
    readonly payerCurrency?: string;
  };
}

export interface RefundRequest {
  readonly subMchid: SubMchid;
  readonly subAppid?: AppId;
  /** One of transactionId / outTradeNo is sent; transactionId is preferred (§5.5). */
  readonly transactionId?: TransactionId;
  readonly outTradeNo?: OutTradeNo;
  readonly outRefundNo: OutRefundNo;
  readonly reason?: string;
  readonly source?: 'REFUND_SOURCE_UNSETTLED_FUNDS' | 'REFUND_SOURCE_RECHARGE_FUNDS';
  /** refund ≤ total; both in the order's currency. */
  readonly refund: Money;
  readonly total: Money;
  readonly notifyUrl?: string;
}

export type RefundRef =
  | { readonly subMchid: SubMchid; readonly outRefundNo: OutRefundNo }
  | { readonly subMchid: SubMchid; readonly refundId: RefundId };

export interface OrderRefunds {
  readonly transactionId: TransactionId;
  readonly outTradeNo: OutTradeNo;
  readonly amount: { readonly total: number; readonly currency: Currency };
  readonly refunds: readonly RefundInfo[];
}

/** One row of the daily statement (backtick CSV, §5.8), typed. Amounts are in minor units. */
export interface StatementRow {
  readonly tradeTime: string;
  readonly appId: string;
  readonly mchid: string;
  readonly subMchid: string;
  readonly deviceId: string;
  readonly transactionId: string;
  readonly outTradeNo: string;
  readonly openid: string;
  readonly tradeType: string;
  readonly tradeState: string;
  readonly bankType: string;
  readonly refundId: string;
  readonly outRefundNo: string;
  readonly refundType: string;
  readonly refundStatus: string;
  readonly goodsName: string;
  readonly attach: string;
  readonly currency: string;
  /** Order amount in minor units (0 on refund rows). */
  readonly orderAmount: number;
  /** Refund amount in minor units (0 on payment rows). */
  readonly refundAmount: number;
  readonly fee: number;
  readonly feeRate: string;
  /** Every column, by header name, as printed (backticks removed), for fields not typed above. */
  readonly raw: Readonly<Record<string, string>>;
}

export interface StatementSummary {
  readonly totalCount: number;
  /** Per currency, in minor units. */
  readonly totals: readonly {
    readonly currency: string;
    readonly orderAmount: number;
    readonly refundAmount: number;
    readonly fee: number;
  }[];
  readonly raw: Readonly<Record<string, string>>;
}

export interface Statement {
  readonly date: StatementDate;
  readonly sha1: string;
  readonly rows: readonly StatementRow[];
  readonly summary: StatementSummary;
  /** Header names the client does not know: their values are kept in each row's `raw`. */
  readonly unknownColumns?: readonly string[];
}

export type SettleState = 'SETTLED' | 'UNSETTLE';

export interface SettlementQuery {
  readonly subMchid?: SubMchid;
  readonly settleState: SettleState;
  /** Required for SETTLED, ignored for UNSETTLE; end ≥ start (§5.9). */
  readonly startDate?: StatementDate;
  readonly endDate?: StatementDate;
}

export interface Settlement {
  readonly batchId: string;
  readonly settlementDate?: string;
  readonly tradeStartDate?: string;
  readonly tradeEndDate?: string;
  readonly walletRegion?: string;
  readonly amount: {
    readonly currency: string;
    readonly settled?: number;
    readonly unsettle?: number;
    readonly pay?: number;
    readonly refund?: number;
    readonly net?: number;
    readonly fee?: number;
  };
}

export interface PlatformCertificateInfo {
  readonly serialNo: string;
  readonly effectiveTime: string;
  readonly expireTime: string;
}

export interface WeChatPayGateway {
  /** §5.1. Never retried automatically: a second pay for one out_trade_no could debit twice. */
  readonly pay: (request: PayRequest) => T.Task<GatewayOutcome<Transaction>>;
  /** §5.2, by out_trade_no or by WeChat id. */
  readonly queryOrder: (ref: OrderRef) => T.Task<GatewayOutcome<Transaction>>;
  /** §5.3. 204 → Success(undefined). */
  readonly reverse: (ref: OrderRef) => T.Task<GatewayOutcome<void>>;
  /** §5.4 (not used for Quick Pay, which closes by reverse). */
  readonly closeOrder: (ref: OrderRef) => T.Task<GatewayOutcome<void>>;
  /** §5.5. Retries must reuse the same out_refund_no. */
  readonly refund: (request: RefundRequest) => T.Task<GatewayOutcome<RefundInfo>>;
  /** §5.6. */
  readonly queryRefund: (ref: RefundRef) => T.Task<GatewayOutcome<RefundInfo>>;
  /** §5.7, walking every page (count ≤ 20). */
  readonly queryAllRefunds: (ref: OrderRef) => T.Task<GatewayOutcome<OrderRefunds>>;
  /** §5.8: SHA-1 and signature checked; gzip accepted. */
  readonly downloadStatement: (date: StatementDate) => T.Task<GatewayOutcome<Statement>>;
  /** §5.9, walking every page. */
  readonly querySettlements: (query: SettlementQuery) => T.Task<GatewayOutcome<readonly Settlement[]>>;
  /** §4: the platform certificates currently trusted (downloading them if none are held yet). */
  readonly platformCertificates: () => T.Task<GatewayOutcome<readonly PlatformCertificateInfo[]>>;
  /**
   * Whether WeChat's answers can be verified: a usable platform certificate or a configured public key
   * is held. Waits up to `waitMs` (clock time) for a download under way, starting one if none ever
   * ran; resolves false when trust is still missing, never rejects. Pay is not sent without trust.
   */
  readonly platformTrust: (waitMs: number) => T.Task<boolean>;
}
