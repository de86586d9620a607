import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Harness, withSharedHarness } from './support/harness';
import { decryptResource } from './support/decrypt';
import { readSandboxJson, verifyResponse, type WireResponse } from './support/wire';

/** Reference §4: /v3/global/certificates encrypted with the APIv3 key, and rotation with overlap. */

interface CertificateEntry {
  readonly serial_no: string;
  readonly effective_time: string;
  readonly expire_time: string;
  readonly encrypt_certificate: {
    algorithm: string;
    nonce: string;
    associated_data: string;
    ciphertext: string;
  };
}

let h: Harness;
withSharedHarness((started) => (h = started));

const list = async (): Promise<{ response: WireResponse; data: readonly CertificateEntry[] }> => {
  const response = await h.client.send('GET', '/v3/global/certificates');
  expect(response.status).toBe(200);
  return { response, data: response.json()['data'] as CertificateEntry[] };
};

const decrypted = (entry: CertificateEntry): string =>
  decryptResource(readFileSync(h.client.json.apiV3KeyPath), entry.encrypt_certificate);

describe('platform certificates', () => {
  it('lists the platform certificate encrypted under the APIv3 key, in a signed answer', async () => {
    const { response, data } = await list();
    expect(verifyResponse(response, h.certificates)).toBe(true);
    expect(data).toHaveLength(1);
    const [entry] = data;
    if (entry === undefined) throw new Error('no certificate listed');
    expect(entry.serial_no).toBe(h.client.json.platformSerial);
    expect(entry.encrypt_certificate.algorithm).toBe('AEAD_AES_256_GCM');
    expect(entry.encrypt_certificate.associated_data).toBe('certificate');
    expect(entry.encrypt_certificate.nonce).toHaveLength(12);
    expect(entry.effective_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const pem = decrypted(entry);
    expect(new X509Certificate(pem).serialNumber.toUpperCase()).toBe(entry.serial_no);
    expect(pem).toBe(readFileSync(h.client.json.platformCertificatePath, 'utf8'));
  });

  it('rotates now: old and new are listed together, the old one keeps signing until the switch', async () => {
    const oldSerial = h.client.json.platformSerial;
    const announced = await h.control('POST', '/sandbox/certificates/rotate', {});
    expect(announced['signingSerial']).toBe(oldSerial);
    const before = await list();
    expect(before.response.headers['wechatpay-serial']).toBe(oldSerial);
    expect(verifyResponse(before.response, h.certificates)).toBe(true);
    const newSerial = before.data[1]?.serial_no ?? '';
    const bad = await fetch(`${h.sandbox.baseUrl}/sandbox/certificates/sign-with`, {
      method: 'POST',
      body: JSON.stringify({ serial: 'ABC' }),
    });
    expect(bad.status).toBe(400);
    const rotated = await h.control('POST', '/sandbox/certificates/sign-with', { serial: newSerial });
    expect(rotated['signingSerial']).toBe(newSerial);
    const { response, data } = await list();
    expect(data.map((d) => d.serial_no)).toEqual([oldSerial, rotated['signingSerial']]);
    const fresh = data[1];
    if (fresh === undefined) throw new Error('new certificate missing');
    expect(response.headers['wechatpay-serial']).toBe(fresh.serial_no);
    const known = new Map(data.map((d) => [d.serial_no, decrypted(d)]));
    expect(verifyResponse(response, known)).toBe(true);
    expect(verifyResponse(response, h.certificates)).toBe(false);
    const json = readSandboxJson(h.sandbox.credentialsFile);
    expect(json.platformSerial).toBe(fresh.serial_no);
    const oldExpiry = Date.parse(data[0]?.expire_time ?? '');
    expect(oldExpiry - h.sandbox.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(oldExpiry - h.sandbox.now()).toBeLessThanOrEqual(24 * 3600_000);

    const abrupt = await h.control('POST', '/sandbox/certificates/rotate', { signWith: 'new' });
    expect(abrupt['serials']).toHaveLength(3);
    const again = await list();
    expect(again.response.headers['wechatpay-serial']).toBe(abrupt['signingSerial']);

    await h.control('POST', '/sandbox/time/advance', { seconds: 24 * 3600 + 1 });
    const later = await list();
    expect(later.data.map((d) => d.serial_no)).not.toContain(oldSerial);
    expect(later.data.map((d) => d.serial_no)).not.toContain(fresh.serial_no);
    expect(later.data.map((d) => d.serial_no)).toEqual([abrupt['signingSerial']]);
  });
});

describe('certificate and signature faults', () => {
  it('a timed rotation announced only when it signs: the download lists it from that moment, not before', async () => {
    const start = await h.control('GET', '/sandbox/certificates');
    const oldSerial = String(start['signingSerial']);
    const downloadsBefore = Number(start['downloads']);
    const rotated = await h.control('POST', '/sandbox/certificates/rotate', {
      afterMs: 60_000,
      announce: 'when-signing',
    });
    expect(rotated['signingSerial']).toBe(oldSerial);
    const before = await list();
    expect(before.data.map((d) => d.serial_no)).toEqual(rotated['serials']);
    expect(before.data.map((d) => d.serial_no)).toContain(oldSerial);
    expect(before.response.headers['wechatpay-serial']).toBe(oldSerial);
    const records = rotated['rotations'] as { serial: string; signsFrom: number; signingSince?: number }[];
    const record = records[records.length - 1];
    if (record === undefined) throw new Error('no rotation recorded');
    expect(before.data.map((d) => d.serial_no)).not.toContain(record.serial);

    await h.control('POST', '/sandbox/time/advance', { ms: 60_000 });
    const after = await list();
    expect(after.response.headers['wechatpay-serial']).toBe(record.serial);
    expect(after.data.map((d) => d.serial_no)).toContain(record.serial);
    expect(after.data.map((d) => d.serial_no)).toContain(oldSerial);
    const known = new Map(after.data.map((d) => [d.serial_no, decrypted(d)]));
    expect(verifyResponse(after.response, known)).toBe(true);

    const state = await h.control('GET', '/sandbox/certificates');
    expect(state['downloads']).toBe(downloadsBefore + 2);
    const last = (state['rotations'] as { serial: string; signingSince?: number; signsFrom: number }[]).at(
      -1,
    );
    expect(last?.serial).toBe(record.serial);
    expect(last?.signingSince).toBeGreaterThanOrEqual(record.signsFrom);
    const counts = await h.control('GET', '/sandbox/requests');
    expect((counts['byClass'] as Record<string, number>)['certificates']).toBe(downloadsBefore + 2);
  });

  it('refuses a timed or unannounced rotation that keeps the old certificate signing', async () => {
    for (const body of [
      { signWith: 'old', afterMs: 1000 },
      { signWith: 'old', announce: 'when-signing' },
      { afterMs: 1, at: 2 },
    ]) {
      const res = await fetch(`${h.sandbox.baseUrl}/sandbox/certificates/rotate`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
    }
  });

  it('answers the client cannot verify, at the chosen rate, with a bad signature or an unknown serial', async () => {
    const listed = await list();
    const known = new Map(listed.data.map((d) => [d.serial_no, decrypted(d)]));
    try {
      await h.control('POST', '/sandbox/faults', { unverifiableRate: 1, unverifiableAs: 'badSignature' });
      const bad = await h.client.send('GET', '/v3/global/certificates');
      expect(known.has(String(bad.headers['wechatpay-serial']))).toBe(true);
      expect(verifyResponse(bad, known)).toBe(false);
      await h.control('POST', '/sandbox/faults', { unverifiableAs: 'unknownSerial' });
      const forged = await h.client.send('GET', '/v3/global/certificates');
      expect(known.has(String(forged.headers['wechatpay-serial']))).toBe(false);
      await h.control('POST', '/sandbox/faults', { unverifiableRate: 0.5 });
      let failures = 0;
      for (let i = 0; i < 40; i += 1) {
        const r = await h.client.send('GET', '/v3/global/certificates');
        if (!verifyResponse(r, known)) failures += 1;
      }
      expect(failures).toBeGreaterThan(8);
      expect(failures).toBeLessThan(32);
    } finally {
      await h.control('POST', '/sandbox/faults', { unverifiableRate: 0, unverifiableAs: 'badSignature' });
    }
    expect(verifyResponse(await h.client.send('GET', '/v3/global/certificates'), known)).toBe(true);
  });
});
