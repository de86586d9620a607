import { generateKeyPairSync, sign } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { verifySigned, type PlatformKeyLookup } from '../../../../src/adapters/wechatpay/verification';

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW_S = 1764144000;
const clock = { now: () => NOW_S * 1000 };
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const keys: PlatformKeyLookup = {
  keyFor: (serial) => Promise.resolve(serial === SERIAL ? platform.publicKey : undefined),
};
const body = '{"id":"4200000000202611261234567890","trade_state":"SUCCESS"}';
const nonce = 'gWqRmjFtYxWnbKdQzEJsFp3sK8TdNq2Z';

const headersFor = (timestamp = NOW_S, b = body) => ({
  'Wechatpay-Timestamp': String(timestamp),
  'Wechatpay-Nonce': nonce,
  'Wechatpay-Serial': SERIAL,
  'Wechatpay-Signature': sign(
    'sha256',
    Buffer.from(`${timestamp}\n${nonce}\n${b}\n`),
    platform.privateKey,
  ).toString('base64'),
});

const flip = (s: string, at: number): string => {
  const bytes = Buffer.from(s);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return bytes.toString();
};

describe('response and notification verification (reference §3)', () => {
  it('accepts a correct signature over the exact body, whatever the header case', async () => {
    const lower = Object.fromEntries(Object.entries(headersFor()).map(([k, v]) => [k.toLowerCase(), v]));
    expect(E.isRight(await verifySigned(headersFor(), body, clock, keys))).toBe(true);
    expect(E.isRight(await verifySigned(lower, Buffer.from(body), clock, keys))).toBe(true);
  });

  it.each([
    ['body', (h: Record<string, string>) => ({ h, b: flip(body, 10) })],
    [
      'signature',
      (h: Record<string, string>) => ({
        h: { ...h, 'Wechatpay-Signature': flip(h['Wechatpay-Signature'] ?? '', 5) },
        b: body,
      }),
    ],
    [
      'timestamp',
      (h: Record<string, string>) => ({ h: { ...h, 'Wechatpay-Timestamp': String(NOW_S + 1) }, b: body }),
    ],
    ['nonce', (h: Record<string, string>) => ({ h: { ...h, 'Wechatpay-Nonce': flip(nonce, 0) }, b: body })],
  ])('one flipped byte in the %s is BadSignature', async (_what, tamper) => {
    const { h, b } = tamper(headersFor());
    expect(await verifySigned(h, b, clock, keys)).toEqual(E.left({ _tag: 'BadSignature' }));
  });

  it('one flipped byte in the serial is UnknownSerial', async () => {
    const h = { ...headersFor(), 'Wechatpay-Serial': flip(SERIAL, 3) };
    expect(await verifySigned(h, body, clock, keys)).toEqual(
      E.left({ _tag: 'UnknownSerial', serial: flip(SERIAL, 3) }),
    );
  });

  it('a timestamp 300 s or more away is stale, 299 s is not', async () => {
    expect(await verifySigned(headersFor(NOW_S - 300), body, clock, keys)).toEqual(
      E.left({ _tag: 'StaleTimestamp', timestamp: String(NOW_S - 300), skewSeconds: 300 }),
    );
    expect(await verifySigned(headersFor(NOW_S + 301), body, clock, keys)).toMatchObject(
      E.left({ _tag: 'StaleTimestamp' }),
    );
    expect(E.isRight(await verifySigned(headersFor(NOW_S - 299), body, clock, keys))).toBe(true);
  });

  it('a WECHATPAY/SIGNTEST/ probe is refused cleanly, before any Base64 decoding', async () => {
    const h = { ...headersFor(), 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/' + 'ab+/'.repeat(80) };
    expect(await verifySigned(h, body, clock, keys)).toEqual(E.left({ _tag: 'ProbeSignature' }));
  });

  it('a signature that is not Base64 is BadSignature, not a crash', async () => {
    const h = { ...headersFor(), 'Wechatpay-Signature': '%%%not-base64%%%' };
    expect(await verifySigned(h, body, clock, keys)).toEqual(E.left({ _tag: 'BadSignature' }));
  });

  it.each(['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial'])(
    'a missing %s is named',
    async (name) => {
      const h: Record<string, string> = { ...headersFor() };
      delete h[name];
      expect(await verifySigned(h, body, clock, keys)).toEqual(
        E.left({ _tag: 'MissingHeader', header: name }),
      );
    },
  );

  it('accepts the optional signature-type header only with the documented scheme', async () => {
    const ok = { ...headersFor(), 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' };
    const other = { ...headersFor(), 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' };
    expect(E.isRight(await verifySigned(ok, body, clock, keys))).toBe(true);
    expect(await verifySigned(other, body, clock, keys)).toEqual(E.left({ _tag: 'BadSignature' }));
  });
});
