import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { PlatformCertificateInfo } from '../../ports/wechat-pay-gateway';
import { decryptAead } from './aead';
import { CertificateListCodec, type CertificateList } from './codecs/certificates';
import { decodeWith, parseJson } from './codecs/decode';

/**
 * The platform keys responses and notifications are checked with (reference §4): downloaded
 * certificates (every valid one is kept, since rotation overlaps by 24 h), an optional pinned
 * certificate, and an optional platform public key (`PUB_KEY_ID_…` mode, §4, §12.7).
 */

export interface PlatformKey {
  readonly serial: string;
  readonly key: KeyObject;
  /** Epoch ms; a key is used only inside its validity, judged by the injected clock. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly info: PlatformCertificateInfo;
}

export const normaliseSerial = (serial: string): string => serial.trim().toUpperCase();

export const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';

export const isUsable = (key: PlatformKey, nowMs: number): boolean =>
  nowMs >= key.notBefore && nowMs <= key.notAfter;

/** A configured PEM certificate; a bad one is a configuration bug, so it throws. */
export const keyFromCertificatePem = (pem: string): PlatformKey => {
  const cert = new X509Certificate(pem);
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  return {
    serial: normaliseSerial(cert.serialNumber),
    key: cert.publicKey,
    notBefore,
    notAfter,
    info: {
      serialNo: normaliseSerial(cert.serialNumber),
      effectiveTime: new Date(notBefore).toISOString(),
      expireTime: new Date(notAfter).toISOString(),
    },
  };
};

export const keyFromPublicKey = (id: string, pem: string): PlatformKey => ({
  serial: normaliseSerial(id),
  key: createPublicKey({ key: pem, format: 'pem' }),
  notBefore: -Infinity,
  notAfter: Infinity,
  info: { serialNo: id, effectiveTime: '', expireTime: '' },
});

export interface DecodedCertificates {
  readonly keys: readonly PlatformKey[];
  /** Entries dropped, with why: logged, never fatal while at least one entry is good. */
  readonly skipped: readonly string[];
}

/**
 * Decodes a `/v3/global/certificates` body: AEAD-decrypts each certificate with the APIv3 key,
 * parses the X.509, and keeps it if its serial matches `serial_no` and the clock is inside its
 * validity. The doc's `expire_time` may move earlier than the PEM's notAfter during rotation
 * (§4), so the earlier of the two bounds its use.
 */
export const decodeCertificateList = (
  body: string,
  apiV3Key: string,
  nowMs: number,
): E.Either<string, DecodedCertificates> =>
  E.chain((json: unknown) => decodeCertificateJson(json, apiV3Key, nowMs))(parseJson(body));

export const decodeCertificateJson = (
  json: unknown,
  apiV3Key: string,
  nowMs: number,
): E.Either<string, DecodedCertificates> => {
  const list = decodeWith(CertificateListCodec, json);
  if (E.isLeft(list)) return list;
  const keys: PlatformKey[] = [];
  const skipped: string[] = [];
  for (const entry of list.right.data) {
    const result = decodeEntry(entry, apiV3Key);
    if (E.isLeft(result)) {
      skipped.push(`${entry.serial_no}: ${result.left}`);
    } else if (!isUsable(result.right, nowMs)) {
      skipped.push(`${entry.serial_no}: outside its validity`);
    } else {
      keys.push(result.right);
    }
  }
  return E.right({ keys, skipped });
};

const decodeEntry = (
  entry: CertificateList['data'][number],
  apiV3Key: string,
): E.Either<string, PlatformKey> => {
  const enc = entry.encrypt_certificate;
  if (enc.algorithm !== 'AEAD_AES_256_GCM') return E.left(`unsupported algorithm ${enc.algorithm}`);
  const pem = decryptAead(apiV3Key, {
    nonce: enc.nonce,
    associatedData: enc.associated_data ?? '',
    ciphertext: enc.ciphertext,
  });
  if (E.isLeft(pem)) return E.left(`decrypt failed: ${pem.left.message}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem.right);
  } catch {
    return E.left('not an X.509 certificate');
  }
  const serial = normaliseSerial(cert.serialNumber);
  if (serial !== normaliseSerial(entry.serial_no))
    return E.left(`certificate serial ${serial} differs from serial_no`);
  const expire = Date.parse(entry.expire_time);
  const notAfter = Number.isNaN(expire)
    ? Date.parse(cert.validTo)
    : Math.min(expire, Date.parse(cert.validTo));
  return E.right({
    serial,
    key: cert.publicKey,
    notBefore: Date.parse(cert.validFrom),
    notAfter,
    info: { serialNo: serial, effectiveTime: entry.effective_time, expireTime: entry.expire_time },
  });
};
