import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { createNotificationBuilder } from '../../../../src/adapters/sandbox/notify/builder';
import { aeadDecrypt } from '../../../../src/adapters/sandbox/protocol/aead';
import { createManualClock } from '../../../../src/adapters/system';

/** The test kit's notifications: what WeChat sends (reference §3, §4.1, §7.3, §7.4), checked independently. */
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keys = { apiV3Key: 'k'.repeat(32), platformSerial: '5157F09EFDC096DE', platformPrivateKeyPem: pem };
const clock = createManualClock(Date.parse('2026-12-06T08:00:00Z'));
const resource = { out_refund_no: 'R1', refund_status: 'SUCCESS' };

const signatureVerifies = (headers: Readonly<Record<string, string>>, body: string): boolean =>
  verify(
    'sha256',
    Buffer.from(`${headers['Wechatpay-Timestamp']}\n${headers['Wechatpay-Nonce']}\n${body}\n`),
    createPublicKey(privateKey),
    Buffer.from(headers['Wechatpay-Signature'] ?? '', 'base64'),
  );

describe('createNotificationBuilder', () => {
  const builder = createNotificationBuilder(keys, clock);

  it('signs timestamp, nonce and body with the platform key, stamped by the given clock', () => {
    const { headers, body } = builder.build({ eventType: 'REFUND.SUCCESS', resource });
    expect(headers['Wechatpay-Serial']).toBe(keys.platformSerial);
    expect(headers['Wechatpay-Timestamp']).toBe(String(clock.now() / 1000));
    expect(headers['Wechatpay-Nonce']).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(headers['Wechatpay-Signature-Type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(signatureVerifies(headers, body)).toBe(true);
  });

  it('encrypts the resource with the APIv3 key in WeChat’s envelope', () => {
    const { body } = builder.build({
      eventType: 'REFUND.SUCCESS',
      resource,
      id: 'EV-1',
      associatedData: 'refund',
    });
    const envelope = JSON.parse(body) as {
      id: string;
      event_type: string;
      resource_type: string;
      create_time: string;
      resource: {
        original_type: string;
        algorithm: string;
        ciphertext: string;
        nonce: string;
        associated_data: string;
      };
    };
    expect(envelope).toMatchObject({
      id: 'EV-1',
      event_type: 'REFUND.SUCCESS',
      resource_type: 'encrypt-resource',
      create_time: '2026-12-06T16:00:00+08:00',
      resource: { original_type: 'refund', algorithm: 'AEAD_AES_256_GCM', associated_data: 'refund' },
    });
    const r = envelope.resource;
    const plain = aeadDecrypt(Buffer.from(keys.apiV3Key), r.nonce, r.associated_data, r.ciphertext);
    expect(JSON.parse(plain)).toEqual(resource);
  });

  it('signs wrongly or with a probe when asked, and neither verifies', () => {
    const wrong = builder.build({ eventType: 'REFUND.SUCCESS', resource, signature: 'wrong' });
    expect(signatureVerifies(wrong.headers, wrong.body)).toBe(false);
    const probe = builder.build({ eventType: 'REFUND.SUCCESS', resource, signature: 'probe' });
    expect(probe.headers['Wechatpay-Signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
  });

  it('refuses an APIv3 key of the wrong length without echoing it', () => {
    const secret = 'not-32-bytes-secret';
    expect(() => createNotificationBuilder({ ...keys, apiV3Key: secret })).toThrow(
      /apiV3Key must be 32 bytes/,
    );
    try {
      createNotificationBuilder({ ...keys, apiV3Key: secret });
    } catch (e: unknown) {
      expect(String(e)).not.toContain(secret);
    }
  });
});
