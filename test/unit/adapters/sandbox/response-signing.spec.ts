import { authCode, payBody, queryTarget, uniqueNo, type Harness, withSharedHarness } from './support/harness';
import { verifyResponse } from './support/wire';

/** Reference §1, §3: every answer carries Request-ID and a platform signature over its exact bytes. */

let h: Harness;
withSharedHarness((started) => (h = started));

const expectSigned = (response: Parameters<typeof verifyResponse>[0]): void => {
  expect(response.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers['wechatpay-timestamp']).toBe(String(Math.floor(h.clock.now() / 1000)));
  expect(response.headers['wechatpay-nonce']).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(response.headers['wechatpay-serial']).toBe(h.client.json.platformSerial);
  expect(verifyResponse(response, h.certificates)).toBe(true);
};

describe('response signatures', () => {
  it('signs a 200 answer over its body', async () => {
    const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo: uniqueNo('sig'), authCode: authCode('00') }),
    });
    expect(response.status).toBe(200);
    expectSigned(response);
    expect(verifyResponse({ ...response, body: Buffer.from(`${response.text} `) }, h.certificates)).toBe(
      false,
    );
  });

  it('signs a 204 answer over an empty body', async () => {
    const outTradeNo = uniqueNo('sig');
    await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo, authCode: authCode('00') }),
    });
    h.clock.advance(15_000);
    const response = await h.client.send(
      'POST',
      `/v3/global/micropay/transactions/out-trade-no/${outTradeNo}/reverse`,
      {
        body: JSON.stringify({ sp_mchid: h.spMchid, sub_mchid: '1900000109' }),
      },
    );
    expect(response.status).toBe(204);
    expect(response.body).toHaveLength(0);
    expectSigned(response);
  });

  it('signs error answers, whose body is the standard error object', async () => {
    const response = await h.client.send('GET', queryTarget(h, 'missing-order'));
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ code: 'ORDER_NOT_EXIST', message: expect.any(String) });
    expectSigned(response);
  });

  it('answers 400 PARAM_ERROR naming the missing field', async () => {
    const body = JSON.parse(payBody(h, { outTradeNo: uniqueNo('sig'), authCode: authCode('00') })) as Record<
      string,
      unknown
    >;
    delete body['merchant_category_code'];
    const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '#/properties/merchant_category_code', location: 'body' },
    });
    expectSigned(response);
  });

  it('never echoes the auth code, even when it is the field in error', async () => {
    const code = '13000001234567890123456';
    const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo: uniqueNo('sig'), authCode: code }),
    });
    expect(response.status).toBe(400);
    expect(response.text).not.toContain(code);
  });
});
