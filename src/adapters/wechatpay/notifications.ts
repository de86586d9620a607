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
  UndecodableResource,
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

/** Messages may quote what was sent: never more than this much of it. */
const MAX_MESSAGE = 200;
const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);
const badJson = (message: string): NotificationError => ({ _tag: 'BadJson', message: clip(message) });

/** A notification nests two levels, its resource three: anything far deeper is not WeChat's. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a JSON text nests arrays and objects deeper than `limit`, by one pass over the raw text
 * (brackets inside strings skipped). Run before JSON.parse and io-ts, whose recursion a deeply
 * nested input could otherwise exhaust.
 */
export const exceedsJsonDepth = (text: string, limit = MAX_JSON_DEPTH): boolean => {
  let depth = 0;
  let isInString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (isInString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) isInString = false;
    } else if (c === 0x22) isInString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
};

const parseBounded = (text: string): E.Either<string, unknown> =>
  exceedsJsonDepth(text) ? E.left(`nested deeper than ${MAX_JSON_DEPTH} levels`) : parseJson(text);

const ID_PATTERN = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const ID_FIELDS = {
  spMchid: 'sp_mchid',
  subMchid: 'sub_mchid',
  outTradeNo: 'out_trade_no',
  transactionId: 'transaction_id',
  outRefundNo: 'out_refund_no',
  refundId: 'refund_id',
} as const;

/** The ids a resource that does not decode still names, each only if it looks like an id. */
const readableIds = (json: unknown): UndecodableResource['ids'] => {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
  const record = json as Record<string, unknown>;
  const ids: Record<string, string> = {};
  for (const [key, field] of Object.entries(ID_FIELDS)) {
    const value = record[field];
    if (typeof value === 'string' && ID_PATTERN.test(value)) ids[key] = value;
  }
  return ids;
};

const undecodable = (error: string, json: unknown): UndecodableResource => ({
  kind: 'undecodable',
  error: clip(error),
  ids: readableIds(json),
});

/**
 * The decrypted resource. It comes from WeChat (signed, and authenticated by AEAD), so one that does
 * not decode is not refused: it is handed on as undecodable, with the ids it names.
 */
const decodeResource = (
  eventType: EventType,
  plaintext: string,
): TransactionNotification | RefundNotification | UndecodableResource => {
  const parsed = parseBounded(plaintext);
  if (E.isLeft(parsed)) return undecodable(`resource: ${parsed.left}`, undefined);
  const resource = decodeTyped(eventType, parsed.right);
  return E.isLeft(resource) ? undecodable(resource.left, parsed.right) : resource.right;
};

const decodeTyped = (
  eventType: EventType,
  json: unknown,
): E.Either<string, TransactionNotification | RefundNotification> => {
  if (eventType === 'TRANSACTION.SUCCESS') {
    const r = decodeWith(TransactionResourceCodec, json);
    if (E.isLeft(r)) return r;
    const w = r.right;
    const transactionId = w.transaction_id ?? w.id;
    if (transactionId === undefined) return E.left('transaction_id: expected TransactionId, got nothing');
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
  const r = decodeWith(RefundResourceCodec, json);
  if (E.isLeft(r)) return r;
  const w = r.right;
  const refundId = w.refund_id ?? w.id;
  if (refundId === undefined) return E.left('refund_id: expected RefundId, got nothing');
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
    E.chain((json: unknown) => decodeWith(NotificationEnvelopeCodec, json))(parseBounded(body)),
  );
  if (E.isLeft(envelope)) return envelope;
  const env: t.TypeOf<typeof NotificationEnvelopeCodec> = envelope.right;
  if (!isEventType(env.event_type))
    return E.left({ _tag: 'UnknownEventType', eventType: clip(env.event_type) });
  if (env.resource.algorithm !== 'AEAD_AES_256_GCM')
    return E.left({
      _tag: 'DecryptFailed',
      message: clip(`unsupported algorithm ${env.resource.algorithm}`),
    });
  const plaintext = decryptAead(apiV3Key, {
    nonce: env.resource.nonce,
    associatedData: env.resource.associated_data ?? '',
    ciphertext: env.resource.ciphertext,
  });
  if (E.isLeft(plaintext)) return E.left({ _tag: 'DecryptFailed', message: plaintext.left.message });
  return E.right({
    id: env.id,
    createTime: env.create_time,
    eventType: env.event_type,
    ...opt('summary', env.summary),
    resource: decodeResource(env.event_type, plaintext.right),
  });
};

/** A header value the sender chose travels on in an error only clipped. */
const clipped = (e: NotificationError): NotificationError =>
  e._tag === 'StaleTimestamp'
    ? { ...e, timestamp: clip(e.timestamp) }
    : e._tag === 'UnknownSerial'
      ? { ...e, serial: clip(e.serial) }
      : e;

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
      const result = E.isLeft(verified)
        ? E.left(clipped(verified.left))
        : openVerifiedBody(notification.body, options.apiV3Key);
      if (E.isLeft(result)) options.logger.warn('notification refused', { error: result.left._tag });
      return result;
    },
});
