import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  nullValue,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der';

/**
 * Builds an X.509 v3 certificate (RFC 5280) signed with SHA256withRSA, the algorithm of WeChat Pay's
 * API and platform certificates (reference §2, §4).
 */

const OID = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

export interface DistinguishedName {
  readonly country: string;
  readonly organization: string;
  readonly organizationalUnit: string;
  readonly commonName: string;
}

export interface CertificateRequest {
  readonly subject: DistinguishedName;
  readonly subjectPublicKey: KeyObject;
  readonly issuer: DistinguishedName;
  readonly issuerPrivateKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCertificateAuthority: boolean;
  /** 20 bytes as 40 upper-case hex digits, the shape of WeChat serials (§4); random when absent. */
  readonly serialHex?: string;
}

export interface IssuedCertificate {
  readonly pem: string;
  readonly serialHex: string;
}

const attribute = (oid: string, value: Buffer): Buffer => set(sequence(objectIdentifier(oid), value));

const name = (dn: DistinguishedName): Buffer =>
  sequence(
    attribute(OID.country, printableString(dn.country)),
    attribute(OID.organization, utf8String(dn.organization)),
    attribute(OID.organizationalUnit, utf8String(dn.organizationalUnit)),
    attribute(OID.commonName, utf8String(dn.commonName)),
  );

const extension = (oid: string, isCritical: boolean, value: Buffer): Buffer =>
  sequence(objectIdentifier(oid), ...(isCritical ? [boolean(true)] : []), octetString(value));

/** Positive, 20 octets, never starting with a zero byte, so its hex form is always 40 digits. */
export const randomSerialHex = (): string => {
  const bytes = randomBytes(20);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex').toUpperCase();
};

export const issueCertificate = (request: CertificateRequest): IssuedCertificate => {
  const serialHex = request.serialHex ?? randomSerialHex();
  const spki = request.subjectPublicKey.export({ type: 'spki', format: 'der' });
  const algorithm = sequence(objectIdentifier(OID.sha256WithRsa), nullValue());
  // keyUsage bits: digitalSignature(0), keyEncipherment(2), and keyCertSign(5) for an authority.
  const usage = request.isCertificateAuthority ? 0b10100100 : 0b10100000;
  const extensions = sequence(
    extension(
      OID.basicConstraints,
      true,
      sequence(...(request.isCertificateAuthority ? [boolean(true)] : [])),
    ),
    extension(OID.keyUsage, true, bitString(Buffer.from([usage]), request.isCertificateAuthority ? 2 : 5)),
    extension(OID.subjectKeyIdentifier, false, octetString(createHash('sha1').update(spki).digest())),
  );
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(Buffer.from(serialHex, 'hex')),
    algorithm,
    name(request.issuer),
    sequence(time(request.notBefore), time(request.notAfter)),
    name(request.subject),
    spki,
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, request.issuerPrivateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return { pem: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`, serialHex };
};

export const publicKeyOf = (privateKey: KeyObject): KeyObject => createPublicKey(privateKey);
