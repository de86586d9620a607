import { generateKeyPairSync } from 'node:crypto';
import { authCode, payBody, queryTarget, uniqueNo, type Harness, withSharedHarness } from './support/harness';
import { verifyResponse } from './support/wire';

/** Reference §2: Authorization parsed by key in any order; every failure is 401 SIGN_ERROR with a detail. */

let h: Harness;
withSharedHarness((started) => (h = started));

const expectSignError = (
  response: { status: number; json: () => Record<string, unknown> },
  issue: string,
): void => {
  expect(response.status).toBe(401);
  const body = response.json();
  expect(body['code']).toBe('SIGN_ERROR');
  expect(typeof body['message']).toBe('string');
  expect(body['detail']).toEqual({ issue, location: 'authorization' });
};

const payOnce = (options: Parameters<Harness['client']['send']>[2] = {}) => {
  const body = payBody(h, { outTradeNo: uniqueNo('auth'), authCode: authCode('00') });
  return h.client.send('POST', '/v3/global/micropay/transactions/pay', { body, ...options });
};

describe('request authentication', () => {
  it.each([
    [['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature']],
    [['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature']],
    [['signature', 'timestamp', 'serial_no', 'nonce_str', 'mchid']],
  ] as const)('accepts the Authorization parameters in the order %j', async (order) => {
    const response = await payOnce({ order });
    expect(response.status).toBe(200);
    expect(response.json()['trade_state']).toBe('SUCCESS');
  });

  it('rejects a signature over other bytes than those sent', async () => {
    expectSignError(await payOnce({ signBody: '{"tampered":true}' }), 'sign not match');
  });

  it('rejects a signature made with another key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expectSignError(await payOnce({ key: privateKey }), 'sign not match');
  });

  it('rejects an unknown certificate serial', async () => {
    expectSignError(await payOnce({ serial: '1234567890ABCDEF1234567890ABCDEF12345678' }), 'wrong serial');
  });

  it('rejects an unknown mchid', async () => {
    expectSignError(await payOnce({ mchid: '1230000109' }), 'mchid not found');
  });

  it('rejects a timestamp more than 300 s away, and accepts one exactly 300 s away', async () => {
    const nowSeconds = Math.floor(h.clock.now() / 1000);
    expectSignError(await payOnce({ timestampSeconds: nowSeconds - 301 }), 'timestamp expired');
    expectSignError(await payOnce({ timestampSeconds: nowSeconds + 301 }), 'timestamp expired');
    expect((await payOnce({ timestampSeconds: nowSeconds - 300 })).status).toBe(200);
  });

  it.each([
    ['a missing header', '', 'missing authorization'],
    ['another scheme', 'Bearer abc', 'unsupported type'],
    ['an unquoted parameter', 'WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="a"', 'malformed authorization'],
    [
      'a missing parameter',
      'WECHATPAY2-SHA256-RSA2048 mchid="1900000100",nonce_str="abc"',
      'malformed authorization',
    ],
  ])('rejects %s', async (_what, authorization, issue) => {
    expectSignError(await payOnce({ authorization }), issue);
  });

  it('signs the raw request-target: percent-encoding is kept as sent', async () => {
    const target = `${queryTarget(h, 'no%2Dsuch%2Dorder')}&extra=a%20b`;
    const response = await h.client.send('GET', target);
    expect(response.status).toBe(404);
    expect(verifyResponse(response, h.certificates)).toBe(true);
  });

  it('rejects a signature over a decoded request-target when the sent one is encoded', async () => {
    const target = queryTarget(h, 'no%2Dsuch');
    const response = await h.client.send('GET', target, { signTarget: queryTarget(h, 'no-such') });
    expectSignError(response, 'sign not match');
  });

  it('answers 401 signed, like every other answer', async () => {
    const response = await payOnce({ signBody: 'x' });
    expect(response.headers['request-id']).toBeTruthy();
    expect(verifyResponse(response, h.certificates)).toBe(true);
  });
});
