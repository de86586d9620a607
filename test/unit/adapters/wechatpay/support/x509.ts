import { sign, type KeyObject } from 'node:crypto';

/**
 * A minimal self-signed X.509 v3 certificate in DER, so certificate tests can mint platform
 * certificates with any serial and validity (node:crypto parses certificates but cannot make them).
 */

const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, value: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), len(value.length), value]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));

const integerFromHex = (hex: string): Buffer => {
  let bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
};

const SHA256_WITH_RSA = seq(tlv(0x06, Buffer.from('2a864886f70d01010b', 'hex')), Buffer.from([0x05, 0x00]));
const COMMON_NAME_OID = tlv(0x06, Buffer.from('550403', 'hex'));

const name = (cn: string): Buffer => seq(set(seq(COMMON_NAME_OID, tlv(0x0c, Buffer.from(cn, 'utf8')))));

const time = (ms: number): Buffer => {
  const iso = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = new Date(ms).getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
};

export interface CertificateSpec {
  readonly serialHex: string;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly commonName?: string;
}

export const selfSignedCertificatePem = (spec: CertificateSpec): string => {
  const subject = name(spec.commonName ?? 'Tenpay.com Root CA');
  const tbs = seq(
    tlv(0xa0, integerFromHex('02')),
    integerFromHex(spec.serialHex),
    SHA256_WITH_RSA,
    subject,
    seq(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spec.publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, spec.privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
};
