import { randomUUID } from 'node:crypto';
import { encryptResource } from '../protocol/aead';
import { signatureHeaders, type SignatureHeaders, type SignatureMode, type Signer } from '../protocol/sign';
import { rfc3339 } from '../time';

/**
 * One notification as WeChat sends it (reference §7.3, §7.4): a JSON envelope whose resource is
 * AEAD_AES_256_GCM-encrypted with the APIv3 key (§4.1), signed like a response (§3) with the
 * platform key. The dispatcher sends these; the test kit builds them for a platform's tests.
 */

export interface NotificationContent {
  readonly eventType: string;
  readonly summary: string;
  readonly originalType: 'refund' | 'transaction';
  /** The decrypted resource, serialised as JSON before encryption. */
  readonly resource: Readonly<Record<string, unknown>>;
  /** Business time of the event, in ms: the envelope's create_time. */
  readonly at: number;
  /** AEAD associated data; WeChat's refund example sends "". */
  readonly associatedData: string;
  /** The envelope id; a fresh UUID by default. */
  readonly id?: string;
}

/** The envelope's exact text: what is signed and sent as the body. */
export const notificationBody = (apiV3Key: Buffer, content: NotificationContent): string =>
  JSON.stringify({
    id: content.id ?? randomUUID(),
    create_time: rfc3339(content.at),
    event_type: content.eventType,
    resource_type: 'encrypt-resource',
    summary: content.summary,
    resource: {
      original_type: content.originalType,
      ...encryptResource(apiV3Key, content.associatedData, JSON.stringify(content.resource)),
    },
  });

export type NotificationHeaders = SignatureHeaders & {
  readonly 'Content-Type': 'application/json';
  readonly 'User-Agent': string;
  readonly 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048';
};

/** The headers of one attempt: each attempt is signed afresh (new timestamp and nonce). */
export const notificationHeaders = (
  signer: Signer,
  timestampSeconds: number,
  body: string,
  mode: Exclude<SignatureMode, 'none'> = 'valid',
): NotificationHeaders => ({
  ...signatureHeaders(signer, timestampSeconds, Buffer.from(body), mode),
  'Content-Type': 'application/json',
  'User-Agent': 'WeChatPay-Global-Sandbox',
  'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
});
