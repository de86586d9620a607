import { generateKeyPairSync, verify } from 'node:crypto';
import {
  createRequestSigner,
  loadPrivateKey,
  newNonce,
  signingMessage,
} from '../../../../src/adapters/wechatpay/signing';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const parse = (authorization: string) => {
  const [scheme, rest = ''] = authorization.split(' ', 2);
  const params = Object.fromEntries(
    [...rest.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  return { scheme, params };
};

describe('request signing (reference §2)', () => {
  it('builds five lines, each ending in a line feed, the empty body line included', () => {
    expect(signingMessage('get', '/v3/global/certificates', '1554208460', 'nonce', '')).toBe(
      'GET\n/v3/global/certificates\n1554208460\nnonce\n\n',
    );
    expect(signingMessage('POST', '/v3/global/refunds?x=1', '1', 'n', '{"a":1}')).toBe(
      'POST\n/v3/global/refunds?x=1\n1\nn\n{"a":1}\n',
    );
  });

  it.each(['thread-pool', 'event-loop'] as const)(
    'produces an Authorization header that an independent SHA256withRSA check accepts (signed on the %s)',
    async (on) => {
      const signer = createRequestSigner(
        '1900000100',
        'SERIAL01',
        loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        on,
      );
      const body = '{"sp_mchid":"1900000100","sub_mchid":"1900000109"}';
      const header = await signer.authorization({
        method: 'POST',
        pathAndQuery: '/v3/global/micropay/transactions/id/4200000000/reverse',
        body,
        timestampSeconds: 1764144000,
        nonce: 'abcdefghijklmnopqrstuvwxyz012345',
      });
      const { scheme, params } = parse(header);
      expect(scheme).toBe('WECHATPAY2-SHA256-RSA2048');
      expect(params).toMatchObject({
        mchid: '1900000100',
        nonce_str: 'abcdefghijklmnopqrstuvwxyz012345',
        timestamp: '1764144000',
        serial_no: 'SERIAL01',
      });
      const message = `POST\n/v3/global/micropay/transactions/id/4200000000/reverse\n1764144000\nabcdefghijklmnopqrstuvwxyz012345\n${body}\n`;
      expect(
        verify('sha256', Buffer.from(message), publicKey, Buffer.from(params['signature'] ?? '', 'base64')),
      ).toBe(true);
      expect(
        verify(
          'sha256',
          Buffer.from(message.replace('4200000000', '4200000001')),
          publicKey,
          Buffer.from(params['signature'] ?? '', 'base64'),
        ),
      ).toBe(false);
    },
  );

  it('accepts a PKCS#1 key as well as PKCS#8, and refuses a non-RSA key', async () => {
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    const signer = createRequestSigner('1', 'S', loadPrivateKey(pkcs1));
    const { params } = parse(
      await signer.authorization({
        method: 'GET',
        pathAndQuery: '/x',
        body: '',
        timestampSeconds: 1,
        nonce: 'n',
      }),
    );
    expect(
      verify(
        'sha256',
        Buffer.from('GET\n/x\n1\nn\n\n'),
        publicKey,
        Buffer.from(params['signature'] ?? '', 'base64'),
      ),
    ).toBe(true);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => loadPrivateKey(ec)).toThrow('RSA');
  });

  it('makes 32-character alphanumeric nonces that differ per call', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
