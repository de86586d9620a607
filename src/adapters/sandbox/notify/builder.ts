import { createPrivateKey } from 'node:crypto';
import type { Clock } from '../../../ports/clock';
import type { IncomingNotification } from '../../../ports/notification-verifier';
import { notificationBody, notificationHeaders } from './envelope';

/**
 * Signed, encrypted notifications for a platform's tests, built by the same code the sandbox sends
 * them with (reference §3, §4.1, §7.3, §7.4), so a test can feed one straight to
 * `core.api.receiveNotification` or POST it to its own webhook.
 */

export interface NotificationKeys {
  /** The 32-character APIv3 key that encrypts the resource. */
  readonly apiV3Key: string;
  /** The platform certificate's serial, sent as Wechatpay-Serial. */
  readonly platformSerial: string;
  /** The platform private key that signs (PKCS#8 or PKCS#1 PEM). */
  readonly platformPrivateKeyPem: string;
}

export interface NotificationSpec {
  /** `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`, `TRANSACTION.SUCCESS`… */
  readonly eventType: string;
  /** The decrypted resource, with WeChat's snake_case fields. */
  readonly resource: Readonly<Record<string, unknown>>;
  /** Default: 'refund' for REFUND.* event types, else 'transaction'. */
  readonly originalType?: 'refund' | 'transaction';
  readonly summary?: string;
  /** AEAD associated data; default "" as in WeChat's refund example. */
  readonly associatedData?: string;
  /** Envelope id; a fresh UUID by default. Reuse one to test duplicate delivery. */
  readonly id?: string;
  /** 'wrong' signs other bytes; 'probe' sends WeChat's `WECHATPAY/SIGNTEST/` probe. Default 'valid'. */
  readonly signature?: 'valid' | 'wrong' | 'probe';
}

export interface NotificationBuilder {
  /** Body and Wechatpay-* headers, signed now by the builder's clock (the verifier checks skew). */
  readonly build: (spec: NotificationSpec) => IncomingNotification & {
    readonly headers: Readonly<Record<string, string>>;
  };
}

export const createNotificationBuilder = (
  keys: NotificationKeys,
  clock: Clock = { now: () => Date.now() },
): NotificationBuilder => {
  const apiV3Key = Buffer.from(keys.apiV3Key, 'utf8');
  // Thrown, never returned: a wrong key in a test's set-up is a bug in the test. The key is not echoed.
  if (apiV3Key.length !== 32) throw new Error('createNotificationBuilder: apiV3Key must be 32 bytes');
  const signer = { serial: keys.platformSerial, privateKey: createPrivateKey(keys.platformPrivateKeyPem) };
  return {
    build: (spec) => {
      const now = clock.now();
      const body = notificationBody(apiV3Key, {
        eventType: spec.eventType,
        summary: spec.summary ?? spec.eventType.toLowerCase(),
        originalType: spec.originalType ?? (spec.eventType.startsWith('REFUND.') ? 'refund' : 'transaction'),
        resource: spec.resource,
        at: now,
        associatedData: spec.associatedData ?? '',
        ...(spec.id === undefined ? {} : { id: spec.id }),
      });
      const headers = notificationHeaders(signer, Math.floor(now / 1000), body, spec.signature ?? 'valid');
      return { headers: { ...headers }, body };
    },
  };
};
