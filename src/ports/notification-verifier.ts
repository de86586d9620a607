import type * as TE from 'fp-ts/TaskEither';
import type { Currency } from '../domain/shared/money';
import type {
  OutRefundNo,
  OutTradeNo,
  RefundId,
  SpMchid,
  SubMchid,
  TransactionId,
} from '../domain/shared/ids';

/**
 * Verifies and decrypts a WeChat Pay notification (reference §3, §7.3, §7.4), with the same rules
 * as responses: timestamp within ±300 s of the injected clock, signature over
 * `timestamp\nnonce\nrawBody\n` with the platform certificate chosen by `Wechatpay-Serial`
 * (one single-flight refresh on an unknown serial), `WECHATPAY/SIGNTEST/` probes rejected,
 * then AEAD_AES_256_GCM decryption of `resource` with the APIv3 key and io-ts decoding.
 * A notification that fails any step must change nothing.
 */

export type NotificationError =
  | { readonly _tag: 'MissingHeader'; readonly header: string }
  | { readonly _tag: 'StaleTimestamp'; readonly timestamp: string; readonly skewSeconds: number }
  | { readonly _tag: 'UnknownSerial'; readonly serial: string }
  | { readonly _tag: 'ProbeSignature' }
  | { readonly _tag: 'BadSignature' }
  | { readonly _tag: 'DecryptFailed'; readonly message: string }
  | { readonly _tag: 'BadJson'; readonly message: string }
  | { readonly _tag: 'UnknownEventType'; readonly eventType: string };

export interface TransactionNotification {
  readonly kind: 'transaction';
  readonly spMchid: SpMchid;
  readonly subMchid: SubMchid;
  readonly outTradeNo: OutTradeNo;
  readonly transactionId: TransactionId;
  readonly tradeState: string;
  readonly successTime?: string;
  readonly amount: {
    readonly total: number;
    readonly currency: Currency;
    readonly payerTotal?: number;
    readonly payerCurrency?: string;
  };
}

export interface RefundNotification {
  readonly kind: 'refund';
  readonly spMchid: SpMchid;
  readonly subMchid: SubMchid;
  readonly outTradeNo: OutTradeNo;
  readonly transactionId: TransactionId;
  readonly outRefundNo: OutRefundNo;
  readonly refundId: RefundId;
  /** Mapped from the notification's spelling: CLOSED here is REFUNDCLOSE in queries. */
  readonly refundStatus: 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL';
  readonly successTime?: string;
  readonly amount: {
    readonly total: number;
    readonly refund: number;
    readonly currency: Currency;
    readonly payerTotal?: number;
    readonly payerRefund?: number;
  };
}

/**
 * Signed and decrypted, but the resource does not decode: WeChat said something we cannot read.
 * It carries the decoding error and whatever ids could be read, never the plaintext.
 */
export interface UndecodableResource {
  readonly kind: 'undecodable';
  readonly error: string;
  readonly ids: {
    readonly spMchid?: string;
    readonly subMchid?: string;
    readonly outTradeNo?: string;
    readonly transactionId?: string;
    readonly outRefundNo?: string;
    readonly refundId?: string;
  };
}

export interface VerifiedNotification {
  readonly id: string;
  readonly createTime: string;
  readonly eventType: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.CLOSED' | 'REFUND.ABNORMAL';
  readonly summary?: string;
  readonly resource: TransactionNotification | RefundNotification | UndecodableResource;
}

export interface IncomingNotification {
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received, as UTF-8 text: never a re-serialised object. */
  readonly body: string;
}

export interface NotificationVerifier {
  readonly verify: (
    notification: IncomingNotification,
  ) => TE.TaskEither<NotificationError, VerifiedNotification>;
}
