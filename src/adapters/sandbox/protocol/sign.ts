import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { randomAlphanumeric } from './aead';

/**
 * Response and notification signatures (reference §3): SHA256withRSA over
 * `timestamp\nnonce\nbody\n` with the platform key, sent as Wechatpay-* headers.
 */

export interface SignatureHeaders {
  readonly 'Wechatpay-Timestamp': string;
  readonly 'Wechatpay-Nonce': string;
  readonly 'Wechatpay-Serial': string;
  readonly 'Wechatpay-Signature': string;
}

export type SignatureMode = 'valid' | 'none' | 'wrong' | 'probe';

export interface Signer {
  readonly serial: string;
  readonly privateKey: KeyObject;
}

/** The probe prefix WeChat uses to check that merchants verify (§3); such a signature never verifies. */
export const PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

export const signatureHeaders = (
  signer: Signer,
  timestampSeconds: number,
  signedText: Buffer,
  mode: Exclude<SignatureMode, 'none'>,
): SignatureHeaders => {
  const timestamp = String(timestampSeconds);
  const nonce = randomAlphanumeric(32);
  const head = `${timestamp}\n${nonce}\n`;
  // One buffer for the signed message (the head is ASCII: one byte per character).
  const message = Buffer.allocUnsafe(head.length + signedText.length + 1);
  message.write(head, 0, 'latin1');
  signedText.copy(message, head.length);
  message[message.length - 1] = 0x0a;
  const valid = sign('sha256', message, signer.privateKey).toString('base64');
  const signature =
    mode === 'valid'
      ? valid
      : mode === 'probe'
        ? `${PROBE_PREFIX}${randomBytes(32).toString('base64')}`
        : sign('sha256', Buffer.concat([message, Buffer.from('tampered')]), signer.privateKey).toString(
            'base64',
          );
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': signer.serial,
    'Wechatpay-Signature': signature,
  };
};
