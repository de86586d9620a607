import type { AuthCode, OutTradeNo, SubMchid, TransactionId } from '../../../../src/domain/shared/ids';
import { unsafeMoney } from '../../../../src/domain/shared/money';
import type { PayRequest } from '../../../../src/ports/wechat-pay-gateway';
import { startFakeWeChat, type FakeWeChat } from './support/fake-wechat';
import { transactionJson } from './support/samples';
import {
  clientFor,
  MERCHANT_SERIAL,
  NOW_S,
  signedEmpty,
  signedJson,
  SP_APPID,
  SP_MCHID,
  verifyAuthorization,
} from './support/world';

const SUB = '1900000109' as SubMchid;
const OUT_TRADE_NO = 'T20261126001' as OutTradeNo;
const TXN = '4200000000202611261234567890' as TransactionId;
const AUTH_CODE = '134567890123456789' as AuthCode;

let server: FakeWeChat;
beforeEach(async () => {
  server = await startFakeWeChat(() => ({ status: 500 }));
});
afterEach(() => server.close());

const expectSignedRequest = (method: string, target: string, body: string) => {
  const [req] = server.requests;
  expect(req).toBeDefined();
  if (req === undefined) return;
  expect(req.method).toBe(method);
  expect(req.target).toBe(target);
  expect(req.body).toBe(body);
  expect(req.headers['accept']).toBe('application/json');
  expect(req.headers['user-agent']).toMatch(/^wechatpay-global-core\/\S+ \(Node\.js v\d+/);
  expect(req.headers['content-type']).toBe(body === '' ? undefined : 'application/json');
  const auth = verifyAuthorization(req);
  expect(auth.ok).toBe(true);
  expect(auth.params).toMatchObject({
    mchid: SP_MCHID,
    serial_no: MERCHANT_SERIAL,
    timestamp: String(NOW_S),
  });
  expect(auth.params['nonce_str']).toMatch(/^[A-Za-z0-9]{32}$/);
};

const payRequest: PayRequest = {
  subMchid: SUB,
  outTradeNo: OUT_TRADE_NO,
  description: 'Sweet Store-Hong Kong Central-Coffee',
  authCode: AUTH_CODE,
  amount: unsafeMoney(1234, 'HKD'),
  merchantCategoryCode: '5812',
  attach: 'table 4',
  sceneInfo: { deviceId: 'POS-01', storeInfo: { id: 'S1', name: 'Central', address: '1 Queen’s Road' } },
};

describe('orders (reference §5.1–§5.4)', () => {
  it('pay posts the institution-mode Quick Pay body and decodes the transaction', async () => {
    server.handle = () => signedJson(200, transactionJson());
    const { client } = clientFor(server);
    const outcome = await client.gateway.pay(payRequest)();
    await client.close();
    expectSignedRequest(
      'POST',
      '/v3/global/micropay/transactions/pay',
      JSON.stringify({
        sp_mchid: SP_MCHID,
        sp_appid: SP_APPID,
        sub_mchid: SUB,
        description: 'Sweet Store-Hong Kong Central-Coffee',
        attach: 'table 4',
        out_trade_no: OUT_TRADE_NO,
        trade_type: 'MICROPAY',
        merchant_category_code: '5812',
        payer: { auth_code: AUTH_CODE },
        amount: { total: 1234, currency: 'HKD' },
        scene_info: {
          device_id: 'POS-01',
          store_info: { id: 'S1', name: 'Central', address: '1 Queen’s Road' },
        },
      }),
    );
    expect(outcome).toEqual({
      _tag: 'Success',
      requestId: expect.any(String),
      value: {
        transactionId: TXN,
        subMchid: SUB,
        outTradeNo: OUT_TRADE_NO,
        tradeType: 'MICROPAY',
        tradeState: 'SUCCESS',
        tradeStateDesc: '支付成功',
        bankType: 'OTHERS',
        attach: 'table 4',
        successTime: '2026-11-26T16:00:01+08:00',
        amount: {
          total: 1234,
          currency: 'HKD',
          payerTotal: 1100,
          payerCurrency: 'CNY',
          exchangeRate: { type: 'SETTLEMENT_RATE', rate: 89123000 },
        },
        payer: { spOpenid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', subOpenid: 'oUpF8uN95-Ptaags6E_roPHg7AG0' },
      },
    });
  });

  it('query by out_trade_no sends sp_mchid and sub_mchid in the query', async () => {
    server.handle = () =>
      signedJson(200, transactionJson({ trade_state: 'NOTPAY', success_time: undefined }));
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryOrder({ subMchid: SUB, outTradeNo: OUT_TRADE_NO })();
    await client.close();
    expectSignedRequest(
      'GET',
      `/v3/global/transactions/out-trade-no/${OUT_TRADE_NO}?sp_mchid=${SP_MCHID}&sub_mchid=${SUB}`,
      '',
    );
    expect(outcome).toMatchObject({ _tag: 'Success', value: { tradeState: 'NOTPAY', transactionId: TXN } });
    expect(outcome._tag === 'Success' && 'successTime' in outcome.value).toBe(false);
  });

  it('query by WeChat id', async () => {
    server.handle = () => signedJson(200, transactionJson({ trade_state: 'REVOKED' }));
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryOrder({ subMchid: SUB, transactionId: TXN })();
    await client.close();
    expectSignedRequest('GET', `/v3/global/transactions/id/${TXN}?sp_mchid=${SP_MCHID}&sub_mchid=${SUB}`, '');
    expect(outcome).toMatchObject({ _tag: 'Success', value: { tradeState: 'REVOKED' } });
  });

  it('an out_trade_no with reserved characters is percent-encoded, and the encoded target is what gets signed', async () => {
    server.handle = () => signedJson(200, transactionJson({ out_trade_no: 'A|B@C*1' }));
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryOrder({ subMchid: SUB, outTradeNo: 'A|B@C*1' as OutTradeNo })();
    await client.close();
    expectSignedRequest(
      'GET',
      `/v3/global/transactions/out-trade-no/A%7CB%40C*1?sp_mchid=${SP_MCHID}&sub_mchid=${SUB}`,
      '',
    );
    expect(outcome).toMatchObject({ _tag: 'Success', value: { outTradeNo: 'A|B@C*1' } });
  });

  it.each([
    [
      'out_trade_no',
      { subMchid: SUB, outTradeNo: OUT_TRADE_NO },
      `/v3/global/micropay/transactions/out-trade-no/${OUT_TRADE_NO}/reverse`,
    ],
    [
      'WeChat id',
      { subMchid: SUB, transactionId: TXN },
      `/v3/global/micropay/transactions/id/${TXN}/reverse`,
    ],
  ] as const)('reverse by %s posts the ids and takes a signed 204 as success', async (_by, ref, path) => {
    server.handle = () => signedEmpty(204);
    const { client } = clientFor(server);
    const outcome = await client.gateway.reverse(ref)();
    await client.close();
    expectSignedRequest('POST', path, JSON.stringify({ sp_mchid: SP_MCHID, sub_mchid: SUB }));
    expect(outcome).toEqual({ _tag: 'Success', value: undefined, requestId: expect.any(String) });
  });

  it.each([
    [
      'out_trade_no',
      { subMchid: SUB, outTradeNo: OUT_TRADE_NO },
      `/v3/global/transactions/out-trade-no/${OUT_TRADE_NO}/close`,
    ],
    ['WeChat id', { subMchid: SUB, transactionId: TXN }, `/v3/global/transactions/id/${TXN}/close`],
  ] as const)('close by %s posts the ids and takes a signed 204 as success', async (_by, ref, path) => {
    server.handle = () => signedEmpty(204);
    const { client } = clientFor(server);
    const outcome = await client.gateway.closeOrder(ref)();
    await client.close();
    expectSignedRequest('POST', path, JSON.stringify({ sp_mchid: SP_MCHID, sub_mchid: SUB }));
    expect(outcome._tag).toBe('Success');
  });

  it('an unsigned 204 on reverse is Unknown, not success', async () => {
    server.handle = () => ({ status: 204 });
    const { client } = clientFor(server);
    const outcome = await client.gateway.reverse({ subMchid: SUB, outTradeNo: OUT_TRADE_NO })();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Unknown', reason: 'UnverifiedResponse' });
  });

  it('a pay request beyond a documented limit is refused before sending, naming the field', async () => {
    const { client } = clientFor(server);
    const outcome = await client.gateway.pay({ ...payRequest, description: 'x'.repeat(128) })();
    await client.close();
    expect(outcome).toEqual({
      _tag: 'Rejected',
      httpStatus: 0,
      code: 'INVALID_ARGUMENT',
      message: `description: expected string[1,127], got "${'x'.repeat(56)}...`,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('never logs the auth code, the private key or the APIv3 key', async () => {
    server.handle = () => ({ status: 503, body: '' });
    const { client, logger } = clientFor(server);
    await client.gateway.pay(payRequest)();
    await client.close();
    const logged = JSON.stringify(logger.lines);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logged).not.toContain(AUTH_CODE);
    expect(logged).not.toContain('PRIVATE KEY');
    expect(logged).not.toContain('a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb');
  });
});
