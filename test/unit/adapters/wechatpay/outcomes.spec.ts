import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthCode, OutTradeNo, SubMchid } from '../../../../src/domain/shared/ids';
import { unsafeMoney } from '../../../../src/domain/shared/money';
import { signedHeaders, startFakeWeChat, type FakeWeChat, type Reply } from './support/fake-wechat';
import { transactionJson } from './support/samples';
import { clientFor, errorJson, NOW_S, PLATFORM_SERIAL, platformSigner, signedJson } from './support/world';

const SUB = '1900000109' as SubMchid;
const ORDER = { subMchid: SUB, outTradeNo: 'T20261126001' as OutTradeNo };
const PAY = {
  subMchid: SUB,
  outTradeNo: 'T20261126001' as OutTradeNo,
  description: 'Coffee',
  authCode: '134567890123456789' as AuthCode,
  amount: unsafeMoney(1234, 'HKD'),
  merchantCategoryCode: '5812',
};

let server: FakeWeChat;
beforeEach(async () => {
  server = await startFakeWeChat(() => ({ status: 500 }));
});
afterEach(() => server.close());

const payWith = async (reply: Reply | 'hang', overrides = {}) => {
  server.handle = () => reply;
  const { client } = clientFor(server, overrides);
  const outcome = await client.gateway.pay(PAY)();
  await client.close();
  return outcome;
};

const body = JSON.stringify(transactionJson());
const withHeader = (name: string, value: string): Reply => {
  const headers = signedHeaders(platformSigner, body, { timestampSeconds: NOW_S });
  return { status: 200, headers: { ...headers, [name]: value }, body };
};
const flip = (s: string, at: number) => {
  const b = Buffer.from(s);
  b[at] = (b[at] ?? 0) ^ 0x01;
  return b.toString();
};

describe('outcome classification (port doc, reference §1, §5.1, §12.1, §12.9)', () => {
  describe('InProgress: USERPAYING in each of its three shapes', () => {
    it('as HTTP 202', async () => {
      expect(await payWith(signedJson(202, {}))).toMatchObject({
        _tag: 'InProgress',
        tradeState: 'USERPAYING',
      });
    });
    it('as `code` on an error status', async () => {
      expect(await payWith(errorJson(400, 'USERPAYING', '需要用户输入支付密码'))).toMatchObject({
        _tag: 'InProgress',
      });
    });
    it('as `code` on a signed 2xx', async () => {
      expect(
        await payWith(signedJson(200, { code: 'USERPAYING', message: '需要用户输入支付密码' })),
      ).toMatchObject({
        _tag: 'InProgress',
      });
    });
    it('as `trade_state` on pay and on query', async () => {
      expect(await payWith(signedJson(200, transactionJson({ trade_state: 'USERPAYING' })))).toMatchObject({
        _tag: 'InProgress',
      });
      server.handle = () => signedJson(200, transactionJson({ trade_state: 'USERPAYING' }));
      const { client } = clientFor(server);
      expect(await client.gateway.queryOrder(ORDER)()).toMatchObject({ _tag: 'InProgress' });
      await client.close();
    });
    it('an unsigned 202 is Unknown, not InProgress', async () => {
      expect(await payWith({ status: 202, body: '' })).toMatchObject({
        _tag: 'Unknown',
        reason: 'UnverifiedResponse',
      });
    });
  });

  describe('Rejected: definite business errors keep WeChat’s code and message', () => {
    it.each([
      [400, 'PARAM_ERROR', '参数错误'],
      [400, 'INVALID_REQUEST', '暂不支持境外支付'],
      [400, 'ORDER_PAID', 'order paid'],
      [401, 'SIGN_ERROR', '签名错误'],
      [403, 'NO_AUTH', '商户无权限'],
      [403, 'NOTENOUGH', '用户余额不足'],
      [400, 'AUTH_CODE_INVALID', '请扫描微信支付授权码'],
    ])('%d %s', async (status, code, message) => {
      expect(await payWith(errorJson(status, code, message))).toEqual({
        _tag: 'Rejected',
        httpStatus: status,
        code,
        message,
        requestId: 'error-request-id',
      });
    });
  });

  describe('NotFound: HTTP 404 whatever the code’s spelling', () => {
    it.each(['ORDER_NOT_EXIST', 'NOT_FOUND', 'RESOURCE_NOT_EXISTS'])('%s', async (code) => {
      server.handle = () => errorJson(404, code, 'order does not exist');
      const { client } = clientFor(server);
      const outcome = await client.gateway.queryOrder(ORDER)();
      await client.close();
      expect(outcome).toEqual({
        _tag: 'NotFound',
        code,
        message: 'order does not exist',
        requestId: 'error-request-id',
      });
    });
    it('a 404 without a WeChat error body (a proxy, a wrong base URL) says nothing: Unknown', async () => {
      server.handle = () => ({ status: 404, body: '<html>Not Found</html>' });
      const { client } = clientFor(server);
      expect(await client.gateway.queryOrder(ORDER)()).toMatchObject({
        _tag: 'Unknown',
        reason: 'MalformedResponse',
      });
      await client.close();
    });
  });

  describe('Unknown', () => {
    it.each([
      [500, 'SYSTEM_ERROR'],
      [500, 'SYSTEMERROR'],
      [400, 'SYSTEMERROR'],
      [403, 'BANKERROR'],
      [400, 'BIZERR_NEED_RETRY'],
    ])('%d %s is a system error', async (status, code) => {
      expect(await payWith(errorJson(status, code, 'retry'))).toMatchObject({
        _tag: 'Unknown',
        reason: 'SystemError',
      });
    });
    it.each([500, 502, 503])('HTTP %d is a server error', async (status) => {
      expect(await payWith({ status, body: 'Bad Gateway' })).toMatchObject({
        _tag: 'Unknown',
        reason: 'ServerError',
      });
    });
    it('HTTP 429 is rate limiting', async () => {
      expect(await payWith(errorJson(429, 'FREQUENCY_LIMIT_EXCEED', 'slow down'))).toMatchObject({
        _tag: 'Unknown',
        reason: 'RateLimited',
      });
    });
    it('a server that never answers is a timeout, using the operation’s own timeout', async () => {
      expect(await payWith('hang', { timeoutsMs: { pay: 150 } })).toMatchObject({
        _tag: 'Unknown',
        reason: 'Timeout',
      });
    });
    it('a refused connection is a connection error', async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const { client } = clientFor({ ...server, url: `http://127.0.0.1:${port}` });
      expect(await client.gateway.pay(PAY)()).toMatchObject({ _tag: 'Unknown', reason: 'ConnectionError' });
      await client.close();
    });
    it('an unsigned 2xx', async () => {
      expect(await payWith({ status: 200, body })).toMatchObject({
        _tag: 'Unknown',
        reason: 'UnverifiedResponse',
        detail: 'response not signed: missing Wechatpay-Timestamp',
      });
    });
    it('a 2xx signed with another key', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const reply = signedJson(200, transactionJson(), NOW_S, { serial: PLATFORM_SERIAL, privateKey: other });
      expect(await payWith(reply)).toMatchObject({ _tag: 'Unknown', reason: 'UnverifiedResponse' });
    });
    it.each([
      ['body', (): Reply => ({ ...signedJson(200, transactionJson()), body: body.replace('1234', '1235') })],
      [
        'signature',
        (): Reply =>
          withHeader(
            'Wechatpay-Signature',
            flip(
              signedHeaders(platformSigner, body, { timestampSeconds: NOW_S })['Wechatpay-Signature'] ?? '',
              3,
            ),
          ),
      ],
      ['timestamp', (): Reply => withHeader('Wechatpay-Timestamp', String(NOW_S + 1))],
      ['nonce', (): Reply => withHeader('Wechatpay-Nonce', 'gWqRmjFtYxWnbKdQzEJsFp3sK8TdNq2Y')],
      ['serial', (): Reply => withHeader('Wechatpay-Serial', flip(PLATFORM_SERIAL, 0))],
    ])('a 2xx with one flipped byte in the %s', async (_what, reply) => {
      expect(await payWith(reply())).toMatchObject({ _tag: 'Unknown', reason: 'UnverifiedResponse' });
    });
    it('a 2xx with a stale timestamp', async () => {
      expect(await payWith(signedJson(200, transactionJson(), NOW_S - 301))).toMatchObject({
        _tag: 'Unknown',
        reason: 'UnverifiedResponse',
        detail: expect.stringContaining('301 s'),
      });
    });
    it('a 2xx with a probe signature', async () => {
      expect(await payWith(withHeader('Wechatpay-Signature', 'WECHATPAY/SIGNTEST/AAAA'))).toMatchObject({
        _tag: 'Unknown',
        detail: 'response carries a WECHATPAY/SIGNTEST/ probe signature',
      });
    });
    it('a signed 2xx that is not JSON', async () => {
      const text = '<xml>SUCCESS</xml>';
      const reply = {
        status: 200,
        headers: signedHeaders(platformSigner, text, { timestampSeconds: NOW_S }),
        body: text,
      };
      expect(await payWith(reply)).toMatchObject({ _tag: 'Unknown', reason: 'MalformedResponse' });
    });
    it('a signed 2xx missing a required field names the field', async () => {
      const { amount: _amount, ...rest } = transactionJson();
      expect(await payWith(signedJson(200, rest))).toMatchObject({
        _tag: 'Unknown',
        reason: 'MalformedResponse',
        detail: expect.stringContaining('amount: expected'),
      });
    });
    it('a signed 2xx with an ill-typed field names the field', async () => {
      const json = transactionJson({ amount: { total: '12.34', currency: 'HKD' } });
      expect(await payWith(signedJson(200, json))).toMatchObject({
        _tag: 'Unknown',
        detail: expect.stringContaining('amount.total: expected MinorUnits, got "12.34"'),
      });
    });
  });

  describe('retries', () => {
    it('pay is never retried, even on Unknown', async () => {
      server.handle = () => ({ status: 503, body: '' });
      const { client } = clientFor(server, { readRetry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 } });
      expect(await client.gateway.pay(PAY)()).toMatchObject({ _tag: 'Unknown' });
      await client.close();
      expect(server.requests).toHaveLength(1);
    });
    it('reverse is not retried by the client (the saga paces it)', async () => {
      server.handle = () => ({ status: 503, body: '' });
      const { client } = clientFor(server, { readRetry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 } });
      await client.gateway.reverse(ORDER)();
      await client.close();
      expect(server.requests).toHaveLength(1);
    });
    it('an idempotent read is retried on Unknown until it gets an answer', async () => {
      let calls = 0;
      server.handle = () => (++calls < 3 ? { status: 502, body: '' } : signedJson(200, transactionJson()));
      const { client } = clientFor(server, { readRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
      expect(await client.gateway.queryOrder(ORDER)()).toMatchObject({ _tag: 'Success' });
      await client.close();
      expect(server.requests).toHaveLength(3);
    });
    it('a read gives up after its attempts and reports the last Unknown', async () => {
      server.handle = () => ({ status: 502, body: '' });
      const { client } = clientFor(server, { readRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      expect(await client.gateway.queryOrder(ORDER)()).toMatchObject({
        _tag: 'Unknown',
        reason: 'ServerError',
      });
      await client.close();
      expect(server.requests).toHaveLength(2);
    });
    it('a definite answer to a read is not retried', async () => {
      server.handle = () => errorJson(404, 'ORDER_NOT_EXIST', 'no');
      const { client } = clientFor(server, { readRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
      await client.gateway.queryOrder(ORDER)();
      await client.close();
      expect(server.requests).toHaveLength(1);
    });
  });
});
