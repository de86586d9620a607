import { createPrivateKey, generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { issueCertificate } from '../../../../src/adapters/sandbox/credentials/certificate';
import { objectIdentifier, tlv, unsignedInteger } from '../../../../src/adapters/sandbox/credentials/der';
import { startSandbox } from '../../../../src/adapters/sandbox';
import { manualClock, removeDir, tempStateDir } from './support/harness';
import { readSandboxJson } from './support/wire';

/** Issue 4 §1: generated credentials, a real X.509 v3 certificate, and sandbox.json. */

describe('DER encoding (X.690)', () => {
  it('encodes sha256WithRSAEncryption as its well-known bytes', () => {
    expect(objectIdentifier('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b');
  });

  it('uses the long length form from 128 bytes on', () => {
    expect(tlv(0x04, Buffer.alloc(127)).subarray(0, 2).toString('hex')).toBe('047f');
    expect(tlv(0x04, Buffer.alloc(128)).subarray(0, 3).toString('hex')).toBe('048180');
    expect(tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
  });

  it('keeps INTEGERs positive and minimal', () => {
    expect(unsignedInteger(Buffer.from([0x80])).toString('hex')).toBe('02020080');
    expect(unsignedInteger(Buffer.from([0x00, 0x00, 0x7f])).toString('hex')).toBe('02017f');
  });
});

describe('certificate builder', () => {
  it('writes a self-signed X.509 v3 certificate that node:crypto parses and that verifies with its own key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dn = { country: 'CN', organization: 'Test Org', organizationalUnit: 'Unit', commonName: 'Test CA' };
    const notBefore = new Date(Date.UTC(2026, 0, 1));
    const notAfter = new Date(Date.UTC(2051, 0, 1)); // after 2049: GeneralizedTime
    const issued = issueCertificate({
      subject: dn,
      issuer: dn,
      subjectPublicKey: publicKey,
      issuerPrivateKey: privateKey,
      notBefore,
      notAfter,
      isCertificateAuthority: true,
    });
    const certificate = new X509Certificate(issued.pem);
    expect(certificate.verify(publicKey)).toBe(true);
    expect(certificate.serialNumber.toUpperCase()).toBe(issued.serialHex);
    expect(issued.serialHex).toMatch(/^[0-9A-F]{40}$/);
    expect(certificate.subject).toContain('CN=Test CA');
    expect(certificate.ca).toBe(true);
    expect(new Date(certificate.validFrom).getTime()).toBe(notBefore.getTime());
    expect(new Date(certificate.validTo).getTime()).toBe(notAfter.getTime());
    expect(certificate.publicKey.export({ type: 'spki', format: 'pem' })).toBe(
      publicKey.export({ type: 'spki', format: 'pem' }),
    );
  });

  it('a certificate issued by another key verifies with the issuer key only', () => {
    const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const subject = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dn = { country: 'CN', organization: 'O', organizationalUnit: 'U', commonName: 'Leaf' };
    const issued = issueCertificate({
      subject: dn,
      issuer: { ...dn, commonName: 'Issuer' },
      subjectPublicKey: subject.publicKey,
      issuerPrivateKey: issuer.privateKey,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      isCertificateAuthority: false,
    });
    const certificate = new X509Certificate(issued.pem);
    expect(certificate.verify(issuer.publicKey)).toBe(true);
    expect(certificate.verify(subject.publicKey)).toBe(false);
    expect(certificate.ca).toBe(false);
  });
});

describe('sandbox credentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempStateDir();
  });
  afterAll(() => removeDir(dir));

  it('generates keys, certificates and an APIv3 key on first start, and writes sandbox.json', async () => {
    const sandbox = await startSandbox({ stateDir: dir, clock: manualClock() });
    try {
      expect(sandbox.credentialsFile).toBe(join(dir, 'sandbox.json'));
      const json = readSandboxJson(sandbox.credentialsFile);
      expect(json).toEqual(sandbox.credentials);
      expect(json.baseUrl).toBe(sandbox.baseUrl);
      expect(json.spMchid).toMatch(/^[0-9]+$/);
      expect(json.spAppid.length).toBeGreaterThan(0);
      for (const path of [
        json.merchantPrivateKeyPath,
        json.merchantCertificatePath,
        json.platformCertificatePath,
        json.apiV3KeyPath,
      ]) {
        expect(isAbsolute(path)).toBe(true);
        expect(path.startsWith(dir)).toBe(true);
        expect(existsSync(path)).toBe(true);
      }
      expect(readFileSync(json.apiV3KeyPath).length).toBe(32);
      const merchant = new X509Certificate(readFileSync(json.merchantCertificatePath));
      expect(merchant.serialNumber.toUpperCase()).toBe(json.merchantSerial);
      const merchantKey = createPrivateKey(readFileSync(json.merchantPrivateKeyPath));
      const signature = sign('sha256', Buffer.from('pair'), merchantKey);
      expect(verify('sha256', Buffer.from('pair'), merchant.publicKey, signature)).toBe(true);
      const platform = new X509Certificate(readFileSync(json.platformCertificatePath));
      expect(platform.serialNumber.toUpperCase()).toBe(json.platformSerial);
      expect(platform.verify(platform.publicKey)).toBe(true);
      expect(json.platformSerial).not.toBe(json.merchantSerial);
    } finally {
      await sandbox.close();
    }
  });

  it('loads the same credentials on a later start', async () => {
    const first = readSandboxJson(join(dir, 'sandbox.json'));
    const sandbox = await startSandbox({ stateDir: dir, clock: manualClock() });
    try {
      const second = readSandboxJson(sandbox.credentialsFile);
      expect({ ...second, baseUrl: '' }).toEqual({ ...first, baseUrl: '' });
    } finally {
      await sandbox.close();
    }
  });
});
