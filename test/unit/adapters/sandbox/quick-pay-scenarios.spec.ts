import { PROBE_PREFIX } from '../../../../src/adapters/sandbox/protocol/sign';
import {
  authCode,
  payBody,
  queryTarget,
  removeDir,
  startHarness,
  tempStateDir,
  uniqueNo,
  type Harness,
} from './support/harness';
import { verifyResponse, type WireResponse } from './support/wire';

/** Issue 4 §4: every row of the scenario table in docs/sandbox.md, driven by the auth code. */

let dir: string;
let h: Harness;

beforeAll(async () => {
  dir = tempStateDir();
  h = await startHarness(dir, { passwordFreeLimit: 50_000, passwordEntrySeconds: 12 });
});
afterAll(async () => {
  await h.close();
  removeDir(dir);
});

const pay = async (
  code: string,
  total = 1000,
  timeoutMs?: number,
): Promise<{ outTradeNo: string; response: WireResponse }> => {
  const outTradeNo = uniqueNo('qp');
  const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: code, total }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  return { outTradeNo, response };
};

const tradeState = async (outTradeNo: string): Promise<string | number> => {
  const response = await h.client.send('GET', queryTarget(h, outTradeNo));
  expect(verifyResponse(response, h.certificates)).toBe(true);
  return response.status === 200 ? (response.json()['trade_state'] as string) : response.status;
};

const expectError = (response: WireResponse, status: number, code: string): void => {
  expect(response.status).toBe(status);
  expect(response.json()['code']).toBe(code);
  expect(verifyResponse(response, h.certificates)).toBe(true);
};

describe('Quick Pay scenarios by auth code', () => {
  it('00: immediate success', async () => {
    const { outTradeNo, response } = await pay(authCode('00'));
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      trade_state: 'SUCCESS',
      out_trade_no: outTradeNo,
      trade_type: 'MICROPAY',
    });
    expect(response.json()['success_time']).toEqual(expect.any(String));
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('00 above the password-free limit: USERPAYING while the password is typed, then success', async () => {
    const { outTradeNo, response } = await pay(authCode('00'), 50_001);
    expect(response.status).toBe(202);
    h.clock.advance(11_999);
    expect(await tradeState(outTradeNo)).toBe('USERPAYING');
    h.clock.advance(1);
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('01: USERPAYING, then success after N s', async () => {
    const created = h.sandbox.now();
    const { outTradeNo, response } = await pay(authCode('01', 20));
    expect(response.status).toBe(202);
    expect(response.json()['trade_state']).toBe('USERPAYING');
    h.clock.advance(19_999);
    expect(await tradeState(outTradeNo)).toBe('USERPAYING');
    h.clock.advance(1);
    const paid = await h.client.send('GET', queryTarget(h, outTradeNo));
    expect(paid.json()['trade_state']).toBe('SUCCESS');
    expect(Date.parse(paid.json()['success_time'] as string)).toBe(
      Math.floor((created + 20_000) / 1000) * 1000,
    );
  });

  it('02: USERPAYING, then the customer cancels: PAYERROR', async () => {
    const { outTradeNo, response } = await pay(authCode('02', 8));
    expect(response.status).toBe(202);
    h.clock.advance(7_999);
    expect(await tradeState(outTradeNo)).toBe('USERPAYING');
    h.clock.advance(1);
    expect(await tradeState(outTradeNo)).toBe('PAYERROR');
  });

  it('03: never paid, so auto-revoked at 45 s', async () => {
    const { outTradeNo, response } = await pay(authCode('03'));
    expect(response.status).toBe(202);
    h.clock.advance(44_999);
    expect(await tradeState(outTradeNo)).toBe('USERPAYING');
    h.clock.advance(1);
    expect(await tradeState(outTradeNo)).toBe('REVOKED');
  });

  it('01 with N ≥ 45: the auto-revoke at 45 s comes first', async () => {
    const { outTradeNo } = await pay(authCode('01', 60));
    h.clock.advance(45_000);
    expect(await tradeState(outTradeNo)).toBe('REVOKED');
  });

  it('04: USERPAYING, reverse refused while paying, then success', async () => {
    const { outTradeNo } = await pay(authCode('04', 25));
    h.clock.advance(16_000);
    const refused = await h.client.send(
      'POST',
      `/v3/global/micropay/transactions/out-trade-no/${outTradeNo}/reverse`,
      {
        body: JSON.stringify({ sp_mchid: h.spMchid, sub_mchid: '1900000109' }),
      },
    );
    expectError(refused, 400, 'TRADE_ERROR');
    h.clock.advance(9_000);
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('10: insufficient balance, a definite error that leaves a PAYERROR order', async () => {
    const { outTradeNo, response } = await pay(authCode('10'));
    expectError(response, 403, 'NOTENOUGH');
    expect(await tradeState(outTradeNo)).toBe('PAYERROR');
  });

  it('11: expired code, no order', async () => {
    const { outTradeNo, response } = await pay(authCode('11'));
    expectError(response, 400, 'AUTHCODEEXPIRE');
    expect(await tradeState(outTradeNo)).toBe(404);
  });

  it.each([
    ['scenario 12', authCode('12')],
    ['17 digits', authCode('00').slice(1)],
    ['19 digits', `${authCode('00')}1`],
    ['wallet prefix 16', authCode('00', 0, '16')],
    ['letters', 'AB0000000000000000'],
  ])('12: invalid code (%s), no order', async (_what, code) => {
    const { outTradeNo, response } = await pay(code);
    expectError(response, 400, 'AUTH_CODE_INVALID');
    expect(await tradeState(outTradeNo)).toBe(404);
  });

  it('20: SYSTEMERROR with the order created and paid', async () => {
    const { outTradeNo, response } = await pay(authCode('20'));
    expectError(response, 500, 'SYSTEMERROR');
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('20 with N: SYSTEMERROR, the order is USERPAYING and paid N s later', async () => {
    const { outTradeNo, response } = await pay(authCode('20', 6));
    expectError(response, 500, 'SYSTEMERROR');
    expect(await tradeState(outTradeNo)).toBe('USERPAYING');
    h.clock.advance(6_000);
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('21: SYSTEMERROR without an order', async () => {
    const { outTradeNo, response } = await pay(authCode('21'));
    expectError(response, 500, 'SYSTEMERROR');
    expect(await tradeState(outTradeNo)).toBe(404);
  });

  it('30: the answer hangs past the client timeout while the order is created and paid', async () => {
    const outTradeNo = uniqueNo('qp');
    const request = h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo, authCode: authCode('30') }),
      timeoutMs: 300,
    });
    await expect(request).rejects.toThrow('client timeout');
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('40: HTTP 500 SYSTEM_ERROR although the order was created and paid', async () => {
    const { outTradeNo, response } = await pay(authCode('40'));
    expectError(response, 500, 'SYSTEM_ERROR');
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('41: HTTP 503 SERVICE_UNAVAILABLE, no order', async () => {
    const { outTradeNo, response } = await pay(authCode('41'));
    expectError(response, 503, 'SERVICE_UNAVAILABLE');
    expect(await tradeState(outTradeNo)).toBe(404);
  });

  it('42: HTTP 502 from a gateway: HTML, unsigned, no order', async () => {
    const { outTradeNo, response } = await pay(authCode('42'));
    expect(response.status).toBe(502);
    expect(response.headers['content-type']).toBe('text/html');
    expect(response.headers['wechatpay-signature']).toBeUndefined();
    expect(await tradeState(outTradeNo)).toBe(404);
  });

  it('50: an unsigned 200 while the order is paid', async () => {
    const { outTradeNo, response } = await pay(authCode('50'));
    expect(response.status).toBe(200);
    expect(response.json()['trade_state']).toBe('SUCCESS');
    expect(response.headers['wechatpay-signature']).toBeUndefined();
    expect(response.headers['wechatpay-serial']).toBeUndefined();
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('51: a wrongly signed 200 while the order is paid', async () => {
    const { outTradeNo, response } = await pay(authCode('51'));
    expect(response.status).toBe(200);
    expect(response.headers['wechatpay-signature']).toEqual(expect.any(String));
    expect(verifyResponse(response, h.certificates)).toBe(false);
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('52: a 200 carrying a WECHATPAY/SIGNTEST/ probe signature', async () => {
    const { outTradeNo, response } = await pay(authCode('52'));
    expect(response.status).toBe(200);
    expect(response.headers['wechatpay-signature']?.startsWith(PROBE_PREFIX)).toBe(true);
    expect(verifyResponse(response, h.certificates)).toBe(false);
    expect(await tradeState(outTradeNo)).toBe('SUCCESS');
  });

  it('an unlisted scenario number behaves as immediate success', async () => {
    const { response } = await pay(authCode('99'));
    expect(response.status).toBe(200);
    expect(response.json()['trade_state']).toBe('SUCCESS');
  });
});
