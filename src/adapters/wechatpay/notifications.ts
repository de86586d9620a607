import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type * as t from 'io-ts';
import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import type {
  IncomingNotification,
  NotificationError,
  NotificationVerifier,
  RefundNotification,
  TransactionNotification,
  VerifiedNotification,
} from '../../ports/notification-verifier';
import { decryptAead } from './aead';
import { decodeWith, opt, parseJson } from './codecs/decode';
import {
  NotificationEnvelopeCodec,
  RefundResourceCodec,
  TransactionResourceCodec,
} from './codecs/notification';
import { verifySigned, type PlatformKeyLookup } from './verification';

/**
 * Notification intake (reference §3, §7.3, §7.4): verify exactly as a response — raw body, ±300 s,
 * serial lookup with one refresh, probes refused — then decrypt `resource` with the APIv3 key and
 * decode it. Each failure is its own typed error; none of them leaks key material.
 */

type EventType = VerifiedNotification['eventType'];
const EVENT_TYPES: readonly EventType[] = [
  'TRANSACTION.SUCCESS',
  'REFUND.SUCCESS',
  'REFUND.CLOSED',
  'REFUND.ABNORMAL',
];
const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);

const badJson = (message: string): NotificationError => ({ _tag: 'BadJson', message });

const decodeResource = (
  eventType: EventType,
  plaintext: string,
): E.Either<NotificationError, TransactionNotification | RefundNotification> => {
  const json = E.mapLeft(badJson)(parseJson(plaintext));
  if (E.isLeft(json)) return json;
  if (eventType === 'TRANSACTION.SUCCESS') {
    const r = E.mapLeft(badJson)(decodeWith(TransactionResourceCodec, json.right));
    if (E.isLeft(r)) return r;
    const w = r.right;
    const transactionId = w.transaction_id ?? w.id;
    if (transactionId === undefined)
      return E.left(badJson('transaction_id: expected TransactionId, got nothing'));
    return E.right({
      kind: 'transaction',
      spMchid: w.sp_mchid,
      subMchid: w.sub_mchid,
      outTradeNo: w.out_trade_no,
      transactionId,
      tradeState: w.trade_state,
      ...opt('successTime', w.success_time),
      amount: {
        total: w.amount.total,
        currency: w.amount.currency,
        ...opt('payerTotal', w.amount.payer_total),
        ...opt('payerCurrency', w.amount.payer_currency),
      },
    });
  }
  const r = E.mapLeft(badJson)(decodeWith(RefundResourceCodec, json.right));
  if (E.isLeft(r)) return r;
  const w = r.right;
  const refundId = w.refund_id ?? w.id;
  if (refundId === undefined) return E.left(badJson('refund_id: expected RefundId, got nothing'));
  return E.right({
    kind: 'refund',
    spMchid: w.sp_mchid,
    subMchid: w.sub_mchid,
    outTradeNo: w.out_trade_no,
    transactionId: w.transaction_id,
    outRefundNo: w.out_refund_no,
    refundId,
    refundStatus: w.refund_status === 'CLOSED' ? 'REFUNDCLOSE' : w.refund_status,
    ...opt('successTime', w.success_time),
    amount: {
      total: w.amount.total,
      refund: w.amount.refund,
      currency: w.amount.currency,
      ...opt('payerTotal', w.amount.payer_total),
      ...opt('payerRefund', w.amount.payer_refund),
    },
  });
};

/** After the signature: envelope, event type, AEAD, resource. Exported for tests of each failure. */
export const openVerifiedBody = (
  body: string,
  apiV3Key: string,
): E.Either<NotificationError, VerifiedNotification> => {
  const envelope = E.mapLeft(badJson)(
    E.chain((json: unknown) => decodeWith(NotificationEnvelopeCodec, json))(parseJson(body)),
  );
  if (E.isLeft(envelope)) return envelope;
  const env: t.TypeOf<typeof NotificationEnvelopeCodec> = envelope.right;
  if (!isEventType(env.event_type)) return E.left({ _tag: 'UnknownEventType', eventType: env.event_type });
  if (env.resource.algorithm !== 'AEAD_AES_256_GCM')
    return E.left({ _tag: 'DecryptFailed', message: `unsupported algorithm ${env.resource.algorithm}` });
  const plaintext = decryptAead(apiV3Key, {
    nonce: env.resource.nonce,
    associatedData: env.resource.associated_data ?? '',
    ciphertext: env.resource.ciphertext,
  });
  if (E.isLeft(plaintext)) return E.left({ _tag: 'DecryptFailed', message: plaintext.left.message });
  const resource = decodeResource(env.event_type, plaintext.right);
  if (E.isLeft(resource)) return resource;
  return E.right({
    id: env.id,
    createTime: env.create_time,
    eventType: env.event_type,
    ...opt('summary', env.summary),
    resource: resource.right,
  });
};

export interface NotificationVerifierOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly apiV3Key: string;
  readonly keys: PlatformKeyLookup;
}

export const createNotificationVerifier = (options: NotificationVerifierOptions): NotificationVerifier => ({
  verify:
    (notification: IncomingNotification): TE.TaskEither<NotificationError, VerifiedNotification> =>
    async () => {
      const verified = await verifySigned(
        notification.headers,
        notification.body,
        options.clock,
        options.keys,
      );
      const result = E.isLeft(verified) ? verified : openVerifiedBody(notification.body, options.apiV3Key);
      if (E.isLeft(result)) options.logger.warn('notification refused', { error: result.left._tag });
      return result;
    },
});
