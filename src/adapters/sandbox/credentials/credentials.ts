import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate, publicKeyOf, type DistinguishedName } from './certificate';

/**
 * The sandbox's key material (reference §2, §4): the institution's API key pair and certificate,
 * the platform key pair and self-signed certificate(s), and the 32-byte APIv3 key.
 * Generated on first start into the state directory, loaded on later starts.
 */

export interface PlatformCertificate {
  readonly serial: string;
  readonly privateKey: KeyObject;
  readonly certificatePem: string;
  readonly certificatePath: string;
  /** RFC 3339 bounds as listed by /v3/global/certificates; expireTime is moved earlier on rotation. */
  readonly effectiveTime: number;
  expireTime: number;
  /** Business time from which /v3/global/certificates lists it (a rotation may announce it late). */
  listedFrom?: number;
}

export interface SandboxKeys {
  readonly spMchid: string;
  readonly spAppid: string;
  readonly merchantSerial: string;
  readonly merchantPublicKey: KeyObject;
  readonly merchantPrivateKeyPath: string;
  readonly merchantCertificatePath: string;
  readonly apiV3Key: Buffer;
  readonly apiV3KeyPath: string;
  /** Oldest first; the last one signs responses and notifications. */
  readonly platforms: PlatformCertificate[];
}

/** The contents of sandbox.json. Paths are absolute, inside the state directory. */
export interface SandboxCredentials {
  readonly baseUrl: string;
  readonly spMchid: string;
  readonly spAppid: string;
  readonly merchantSerial: string;
  readonly merchantPrivateKeyPath: string;
  readonly merchantCertificatePath: string;
  readonly platformSerial: string;
  readonly platformCertificatePath: string;
  readonly apiV3KeyPath: string;
}

/** Where a platform certificate's private key is kept: tests sign notifications with it. */
export const platformKeyPath = (stateDir: string, serial: string): string =>
  join(stateDir, `platform_${serial}_key.pem`);

const FIVE_YEARS_MS = 5 * 365 * 24 * 3600 * 1000;
const API_V3_KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const dn = (unit: string, commonName: string): DistinguishedName => ({
  country: 'CN',
  organization: 'WeChat Pay Global Sandbox',
  organizationalUnit: unit,
  commonName,
});

const newKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The APIv3 key is 32 ASCII characters, used as the AES-256 key bytes (§4). */
const newApiV3Key = (): string =>
  Array.from(randomBytes(32), (b) => API_V3_KEY_ALPHABET[b % API_V3_KEY_ALPHABET.length]).join('');

export const createPlatformCertificate = (stateDir: string, now: number): PlatformCertificate => {
  const privateKey = newKey();
  const subject = dn('Sandbox Platform', 'WeChat Pay Global Sandbox Platform');
  const issued = issueCertificate({
    subject,
    issuer: subject,
    subjectPublicKey: publicKeyOf(privateKey),
    issuerPrivateKey: privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + FIVE_YEARS_MS),
    isCertificateAuthority: true,
  });
  const certificatePath = join(stateDir, `platform_${issued.serialHex}_cert.pem`);
  writeFileSync(certificatePath, issued.pem, { mode: 0o644 });
  writeFileSync(platformKeyPath(stateDir, issued.serialHex), pkcs8(privateKey), { mode: 0o600 });
  return {
    serial: issued.serialHex,
    privateKey,
    certificatePem: issued.pem,
    certificatePath,
    effectiveTime: now - 60_000,
    expireTime: now + FIVE_YEARS_MS,
  };
};

interface KeysFile {
  readonly spMchid: string;
  readonly spAppid: string;
  readonly platforms: readonly {
    readonly serial: string;
    readonly effectiveTime: number;
    readonly expireTime: number;
    readonly listedFrom?: number;
  }[];
}

const keysFilePath = (stateDir: string): string => join(stateDir, 'sandbox-keys.json');

export const saveKeyIndex = (stateDir: string, keys: SandboxKeys): void => {
  const index: KeysFile = {
    spMchid: keys.spMchid,
    spAppid: keys.spAppid,
    platforms: keys.platforms.map((p) => ({
      serial: p.serial,
      effectiveTime: p.effectiveTime,
      expireTime: p.expireTime,
      ...(p.listedFrom === undefined ? {} : { listedFrom: p.listedFrom }),
    })),
  };
  writeFileSync(keysFilePath(stateDir), JSON.stringify(index, null, 2));
};

const loadPlatform = (stateDir: string, entry: KeysFile['platforms'][number]): PlatformCertificate => {
  const certificatePath = join(stateDir, `platform_${entry.serial}_cert.pem`);
  return {
    serial: entry.serial,
    privateKey: createPrivateKey(readFileSync(platformKeyPath(stateDir, entry.serial))),
    certificatePem: readFileSync(certificatePath, 'utf8'),
    certificatePath,
    effectiveTime: entry.effectiveTime,
    expireTime: entry.expireTime,
    ...(entry.listedFrom === undefined ? {} : { listedFrom: entry.listedFrom }),
  };
};

/** Loads the state directory's keys, or generates all of them on first start. */
export const loadOrCreateKeys = (stateDir: string, now: number): SandboxKeys => {
  mkdirSync(stateDir, { recursive: true });
  const merchantPrivateKeyPath = join(stateDir, 'apiclient_key.pem');
  const merchantCertificatePath = join(stateDir, 'apiclient_cert.pem');
  const apiV3KeyPath = join(stateDir, 'apiv3.key');
  if (!existsSync(keysFilePath(stateDir)) || !existsSync(merchantPrivateKeyPath)) {
    const merchantKey = newKey();
    const subject = dn('Sandbox Institution', 'Sandbox Institution API Certificate');
    const issued = issueCertificate({
      subject,
      issuer: subject,
      subjectPublicKey: publicKeyOf(merchantKey),
      issuerPrivateKey: merchantKey,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + FIVE_YEARS_MS),
      isCertificateAuthority: false,
    });
    writeFileSync(merchantPrivateKeyPath, pkcs8(merchantKey), { mode: 0o600 });
    writeFileSync(merchantCertificatePath, issued.pem);
    writeFileSync(apiV3KeyPath, newApiV3Key(), { mode: 0o600 });
    const keys: SandboxKeys = {
      spMchid: '1900000100',
      spAppid: 'wxsandbox0000000001',
      merchantSerial: issued.serialHex,
      merchantPublicKey: publicKeyOf(merchantKey),
      merchantPrivateKeyPath,
      merchantCertificatePath,
      apiV3Key: readFileSync(apiV3KeyPath),
      apiV3KeyPath,
      platforms: [createPlatformCertificate(stateDir, now)],
    };
    saveKeyIndex(stateDir, keys);
    return keys;
  }
  const index = JSON.parse(readFileSync(keysFilePath(stateDir), 'utf8')) as KeysFile;
  const merchantCertificate = new X509Certificate(readFileSync(merchantCertificatePath));
  return {
    spMchid: index.spMchid,
    spAppid: index.spAppid,
    merchantSerial: merchantCertificate.serialNumber.toUpperCase(),
    merchantPublicKey: merchantCertificate.publicKey,
    merchantPrivateKeyPath,
    merchantCertificatePath,
    apiV3Key: readFileSync(apiV3KeyPath),
    apiV3KeyPath,
    platforms: index.platforms.map((entry) => loadPlatform(stateDir, entry)),
  };
};

export const currentPlatform = (keys: SandboxKeys): PlatformCertificate => {
  const last = keys.platforms[keys.platforms.length - 1];
  if (last === undefined) throw new Error('sandbox has no platform certificate');
  return last;
};

export const writeCredentialsFile = (
  stateDir: string,
  baseUrl: string,
  keys: SandboxKeys,
): SandboxCredentials => {
  const platform = currentPlatform(keys);
  const credentials: SandboxCredentials = {
    baseUrl,
    spMchid: keys.spMchid,
    spAppid: keys.spAppid,
    merchantSerial: keys.merchantSerial,
    merchantPrivateKeyPath: keys.merchantPrivateKeyPath,
    merchantCertificatePath: keys.merchantCertificatePath,
    platformSerial: platform.serial,
    platformCertificatePath: platform.certificatePath,
    apiV3KeyPath: keys.apiV3KeyPath,
  };
  writeFileSync(join(stateDir, 'sandbox.json'), `${JSON.stringify(credentials, null, 2)}\n`);
  return credentials;
};
