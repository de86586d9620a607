import * as E from 'fp-ts/Either';
import type { IncomingNotification } from '../../../../src/ports/notification-verifier';
import { keyFromCertificatePem } from '../../../../src/adapters/wechatpay/platform-keys';
import { exceedsJsonDepth } from '../../../../src/adapters/wechatpay/notifications';
import { verifySigned } from '../../../../src/adapters/wechatpay/verification';
import { aeadEncrypt, signedHeaders, startFakeWeChat, type FakeWeChat } from './support/fake-wechat';
import {
  GO_VECTOR_BODY,
  GO_VECTOR_CERTIFICATE,
  GO_VECTOR_HEADERS,
  GO_VECTOR_TIME_MS,
} from './support/wechatpay-go-vector';
import {
  API_V3_KEY,
  certificatesReply,
  clientFor,
  NOW_S,
  PLATFORM_SERIAL,
  platformSigner,
} from './support/world';

const RESOURCE_NONCE = 'fdasflkja484';

const refundResource = (status: string) => ({
  sp_mchid: '1900000100',
  sub_mchid: '1900000109',
  transaction_id: '4200000000202611261234567890',
  out_trade_no: 'T20261126001',
  refund_id: '50300000002026112612345678',
  out_refund_no: 'R20261126001',
  refund_status: status,
  success_time: '2026-11-26T17:01:00+08:00',
  user_received_account: '支付用户零钱',
  fund_source: 'REFUND_SOURCE_UNSETTLED_FUNDS',
  amount: {
    total: 1234,
    refund: 200,
    currency: 'HKD',
    payer_total: 1100,
    payer_refund: 178,
    payer_currency: 'CNY',
  },
});

const transactionResource = {
  sp_mchid: '1900000100',
  sub_mchid: '1900000109',
  sp_appid: 'wx2421b1c4370ec43b',
  out_trade_no: 'T20261126002',
  transaction_id: '4200000000202611260000000002',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  bank_type: 'CMC',
  success_time: '2026-11-26T16:00:01+08:00',
  payer: { sp_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 500, currency: 'HKD', payer_total: 446, payer_currency: 'CNY' },
};

const envelope = (
  eventType: string,
  resource: unknown,
  change: { aad?: string; ciphertext?: string; algorithm?: string } = {},
) => {
  const originalType = eventType.startsWith('REFUND') ? 'refund' : 'transaction';
  const aad = change.aad ?? originalType;
  return JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2026-11-26T17:01:05+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: '退款成功',
    resource: {
      original_type: originalType,
      algorithm: change.algorithm ?? 'AEAD_AES_256_GCM',
      ciphertext:
        change.ciphertext ??
        aeadEncrypt(
          API_V3_KEY,
          RESOURCE_NONCE,
          originalType,
          typeof resource === 'string' ? resource : JSON.stringify(resource),
        ),
      associated_data: aad,
      nonce: RESOURCE_NONCE,
    },
  });
};

const signed = (body: string, timestampSeconds = NOW_S): IncomingNotification => ({
  headers: {
    'content-type': 'application/json',
    ...signedHeaders(platformSigner, body, { timestampSeconds }),
  },
  body,
});

let server: FakeWeChat;
beforeEach(async () => {
  server = await startFakeWeChat(() => certificatesReply());
});
afterEach(() => server.close());

const verify = async (n: IncomingNotification) => {
  const { client } = clientFor(server);
  const result = await client.verifier.verify(n)();
  await client.close();
  return result;
};

const flip = (s: string, at: number) => {
  const b = Buffer.from(s);
  b[at] = (b[at] ?? 0) ^ 0x01;
  return b.toString();
};

describe('notifications (reference §3, §7.3, §7.4)', () => {
  it('decodes REFUND.SUCCESS', async () => {
    expect(await verify(signed(envelope('REFUND.SUCCESS', refundResource('SUCCESS'))))).toEqual(
      E.right({
        id: 'EV-2018022511223320873',
        createTime: '2026-11-26T17:01:05+08:00',
        eventType: 'REFUND.SUCCESS',
        summary: '退款成功',
        resource: {
          kind: 'refund',
          spMchid: '1900000100',
          subMchid: '1900000109',
          outTradeNo: 'T20261126001',
          transactionId: '4200000000202611261234567890',
          outRefundNo: 'R20261126001',
          refundId: '50300000002026112612345678',
          refundStatus: 'SUCCESS',
          successTime: '2026-11-26T17:01:00+08:00',
          amount: { total: 1234, refund: 200, currency: 'HKD', payerTotal: 1100, payerRefund: 178 },
        },
      }),
    );
  });

  it('maps REFUND.CLOSED’s CLOSED to the query spelling REFUNDCLOSE', async () => {
    const result = await verify(signed(envelope('REFUND.CLOSED', refundResource('CLOSED'))));
    expect(result).toMatchObject(
      E.right({ eventType: 'REFUND.CLOSED', resource: { refundStatus: 'REFUNDCLOSE' } }),
    );
  });

  it('decodes REFUND.ABNORMAL', async () => {
    const result = await verify(signed(envelope('REFUND.ABNORMAL', refundResource('ABNORMAL'))));
    expect(result).toMatchObject(E.right({ resource: { refundStatus: 'ABNORMAL' } }));
  });

  it('decodes TRANSACTION.SUCCESS, which names the order transaction_id', async () => {
    expect(await verify(signed(envelope('TRANSACTION.SUCCESS', transactionResource)))).toMatchObject(
      E.right({
        eventType: 'TRANSACTION.SUCCESS',
        resource: {
          kind: 'transaction',
          transactionId: '4200000000202611260000000002',
          outTradeNo: 'T20261126002',
          tradeState: 'SUCCESS',
          amount: { total: 500, currency: 'HKD', payerTotal: 446, payerCurrency: 'CNY' },
        },
      }),
    );
  });

  describe('each failure has its own typed error', () => {
    const good = signed(envelope('REFUND.SUCCESS', refundResource('SUCCESS')));
    const withHeader = (name: string, value: string): IncomingNotification => ({
      headers: { ...good.headers, [name]: value },
      body: good.body,
    });

    it('a flipped byte in the body is BadSignature', async () => {
      expect(await verify({ ...good, body: flip(good.body, 30) })).toEqual(E.left({ _tag: 'BadSignature' }));
    });
    it('a flipped byte in the signature is BadSignature', async () => {
      expect(
        await verify(withHeader('Wechatpay-Signature', flip(good.headers['Wechatpay-Signature'] ?? '', 10))),
      ).toEqual(E.left({ _tag: 'BadSignature' }));
    });
    it('a flipped byte in the timestamp is BadSignature', async () => {
      expect(await verify(withHeader('Wechatpay-Timestamp', String(NOW_S + 1)))).toEqual(
        E.left({ _tag: 'BadSignature' }),
      );
    });
    it('a flipped byte in the nonce is BadSignature', async () => {
      expect(
        await verify(withHeader('Wechatpay-Nonce', flip(good.headers['Wechatpay-Nonce'] ?? '', 2))),
      ).toEqual(E.left({ _tag: 'BadSignature' }));
    });
    it('a flipped byte in the serial is UnknownSerial, after exactly one certificate refresh', async () => {
      const serial = flip(PLATFORM_SERIAL, 1);
      expect(await verify(withHeader('Wechatpay-Serial', serial))).toEqual(
        E.left({ _tag: 'UnknownSerial', serial }),
      );
      expect(server.requests.map((r) => r.path)).toEqual(['/v3/global/certificates']);
    });
    it('a serial of any length travels on only clipped', async () => {
      const serial = 'A'.repeat(10_000);
      const result = await verify(withHeader('Wechatpay-Serial', serial));
      expect(result).toMatchObject(E.left({ _tag: 'UnknownSerial' }));
      expect(E.isLeft(result) && result.left._tag === 'UnknownSerial' && result.left.serial.length).toBe(200);
    });
    it('a stale timestamp is StaleTimestamp', async () => {
      expect(await verify(signed(good.body, NOW_S - 600))).toEqual(
        E.left({ _tag: 'StaleTimestamp', timestamp: String(NOW_S - 600), skewSeconds: 600 }),
      );
    });
    it('a probe signature is ProbeSignature', async () => {
      expect(await verify(withHeader('Wechatpay-Signature', 'WECHATPAY/SIGNTEST/PROBE'))).toEqual(
        E.left({ _tag: 'ProbeSignature' }),
      );
    });
    it('a missing header is MissingHeader', async () => {
      const { ['Wechatpay-Nonce']: _n, ...headers } = good.headers;
      expect(await verify({ headers, body: good.body })).toEqual(
        E.left({ _tag: 'MissingHeader', header: 'Wechatpay-Nonce' }),
      );
    });
    it('a resource encrypted under other associated data is DecryptFailed', async () => {
      const body = envelope('REFUND.SUCCESS', refundResource('SUCCESS'), { aad: 'transaction' });
      expect(await verify(signed(body))).toMatchObject(E.left({ _tag: 'DecryptFailed' }));
    });
    it('a tampered ciphertext is DecryptFailed', async () => {
      const ct = aeadEncrypt(API_V3_KEY, RESOURCE_NONCE, 'refund', JSON.stringify(refundResource('SUCCESS')));
      const body = envelope('REFUND.SUCCESS', refundResource('SUCCESS'), {
        ciphertext: `${ct.slice(0, 4)}${ct[4] === 'A' ? 'B' : 'A'}${ct.slice(5)}`,
      });
      expect(await verify(signed(body))).toMatchObject(E.left({ _tag: 'DecryptFailed' }));
    });
    it('another algorithm is DecryptFailed', async () => {
      const body = envelope('REFUND.SUCCESS', refundResource('SUCCESS'), { algorithm: 'AEAD_SM4_GCM' });
      expect(await verify(signed(body))).toEqual(
        E.left({ _tag: 'DecryptFailed', message: 'unsupported algorithm AEAD_SM4_GCM' }),
      );
    });
    it('a body that is not JSON is BadJson', async () => {
      expect(await verify(signed('not json'))).toMatchObject(E.left({ _tag: 'BadJson' }));
    });
    it('a decrypted resource that is not JSON is handed on as undecodable, naming nothing', async () => {
      const result = await verify(signed(envelope('REFUND.SUCCESS', 'not json')));
      expect(result).toMatchObject(E.right({ resource: { kind: 'undecodable', ids: {} } }));
    });
    it('a resource missing a required field is undecodable, naming the field and the ids it has', async () => {
      const { out_refund_no: _o, ...resource } = refundResource('SUCCESS');
      expect(await verify(signed(envelope('REFUND.SUCCESS', resource)))).toMatchObject(
        E.right({
          eventType: 'REFUND.SUCCESS',
          resource: {
            kind: 'undecodable',
            error: 'out_refund_no: expected OutRefundNo, got nothing',
            ids: {
              spMchid: '1900000100',
              subMchid: '1900000109',
              outTradeNo: 'T20261126001',
              transactionId: '4200000000202611261234567890',
              refundId: '50300000002026112612345678',
            },
          },
        }),
      );
    });
    it('a resource nested too deeply is undecodable, without parsing it', async () => {
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      expect(await verify(signed(envelope('REFUND.SUCCESS', deep)))).toMatchObject(
        E.right({ resource: { kind: 'undecodable', error: expect.stringContaining('nested deeper') } }),
      );
    });
    it.each([1000, 5000, 100_000])('an envelope nested %i deep is BadJson, never a crash', async (depth) => {
      const body = `{"id":"EV-deep","summary":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const result = await verify(signed(body));
      expect(result).toMatchObject(E.left({ _tag: 'BadJson' }));
      expect(E.isLeft(result) && 'message' in result.left && result.left.message.length).toBeLessThanOrEqual(
        200,
      );
    });
    it('an unknown event type is UnknownEventType', async () => {
      expect(await verify(signed(envelope('PAYSCORE.USER_OPEN_SERVICE', refundResource('SUCCESS'))))).toEqual(
        E.left({ _tag: 'UnknownEventType', eventType: 'PAYSCORE.USER_OPEN_SERVICE' }),
      );
    });
  });

  it('verifies the public wechatpay-go notification vector over its exact raw body', async () => {
    const key = keyFromCertificatePem(GO_VECTOR_CERTIFICATE);
    expect(key.serial).toBe('D7CE59D1F522D701');
    const clock = { now: () => GO_VECTOR_TIME_MS };
    const keys = { keyFor: (s: string) => Promise.resolve(s === key.serial ? key.key : undefined) };
    expect(E.isRight(await verifySigned(GO_VECTOR_HEADERS, GO_VECTOR_BODY, clock, keys))).toBe(true);
    expect(
      await verifySigned(GO_VECTOR_HEADERS, GO_VECTOR_BODY.replace('签约成功', '签约失败'), clock, keys),
    ).toEqual(E.left({ _tag: 'BadSignature' }));
    // The same bytes re-serialised (key order or spacing changed) must not verify: §3 "use the raw body".
    const reserialised = JSON.stringify(JSON.parse(GO_VECTOR_BODY), null, 1);
    expect(await verifySigned(GO_VECTOR_HEADERS, reserialised, clock, keys)).toEqual(
      E.left({ _tag: 'BadSignature' }),
    );
  });
});

describe('the nesting bound, scanned before parsing', () => {
  it.each<[string, number, boolean]>([
    ['{"a":{"b":[1,2,{"c":[]}]}}', 5, false],
    ['{"a":{"b":[1,2,{"c":[]}]}}', 4, true],
    // Brackets inside strings, escaped quotes included, are text, not nesting.
    ['{"s":"[[[[[[\\"{{{{"}', 1, false],
    ['"]]]][[[["', 0, false],
    [`${'['.repeat(33)}${']'.repeat(33)}`, 32, true],
  ])('%s with a bound of %i: exceeds = %s', (text, limit, exceeds) => {
    expect(exceedsJsonDepth(text, limit)).toBe(exceeds);
  });
});
