import * as TE from 'fp-ts/TaskEither';
import type { IncomingNotification, NotificationError } from '../../../../src/ports/notification-verifier';
import { createHarness, lastCall, type Harness } from './fake-api';

const signatureHeaders = {
  'wechatpay-timestamp': '1764237600',
  'wechatpay-nonce': 'n0nce',
  'wechatpay-serial': '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  'wechatpay-signature': 'c2lnbmF0dXJl',
};

// Unusual spacing, key order and escapes: any re-serialisation would change these bytes.
const rawBody =
  '{ "resource" :{"ciphertext":"YWJj","nonce":"n","associated_data":"refund",' +
  '"original_type":"refund","algorithm":"AEAD_AES_256_GCM"},\n  "id":"EV-1" ,"event_type":"REFUND.SUCCESS",' +
  '"summary":"\\u9000\\u6b3e\u6210\u529f","create_time":"2026-11-27T18:00:00+08:00","resource_type":"encrypt-resource"}';

describe('webhook: POST /notifications/wechatpay', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.app.close());

  const deliver = (body: string | Buffer = rawBody, contentType = 'application/json') =>
    h.app.inject({
      method: 'POST',
      url: '/notifications/wechatpay',
      headers: { ...signatureHeaders, 'content-type': contentType },
      payload: body,
    });

  it('passes the raw body byte for byte and the headers, and acks with SUCCESS', async () => {
    const res = await deliver();
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"code":"SUCCESS","message":"成功"}');
    const [notification] = lastCall(h.api, 'receiveNotification') as [IncomingNotification];
    expect(notification.body).toBe(rawBody);
    expect(Buffer.from(notification.body, 'utf8').equals(Buffer.from(rawBody, 'utf8'))).toBe(true);
    expect(notification.headers).toMatchObject(signatureHeaders);
  });

  it('needs no bearer token: the signature authenticates it', async () => {
    const res = await deliver();
    expect(res.statusCode).toBe(200);
    expect(h.api.calls.map((c) => c.method)).toEqual(['receiveNotification']);
  });

  it('keeps a body that is not even JSON, so the verifier can judge it', async () => {
    const res = await deliver('not json at all', 'text/plain');
    expect(res.statusCode).toBe(200);
    expect((lastCall(h.api, 'receiveNotification')[0] as IncomingNotification).body).toBe('not json at all');
  });

  it.each<[NotificationError, number]>([
    [{ _tag: 'BadSignature' }, 401],
    [{ _tag: 'ProbeSignature' }, 401],
    [{ _tag: 'StaleTimestamp', timestamp: '1', skewSeconds: 900 }, 401],
    [{ _tag: 'UnknownSerial', serial: 'ABC' }, 401],
    [{ _tag: 'MissingHeader', header: 'Wechatpay-Signature' }, 400],
    [{ _tag: 'DecryptFailed', message: 'unable to authenticate data, key=…' }, 400],
    [{ _tag: 'BadJson', message: 'Unexpected token' }, 400],
  ])('a rejected notification (%j) is non-2xx FAIL without internals', async (error, status) => {
    h.api.notification = TE.left({ _tag: 'NotificationRejected', error });
    const res = await deliver();
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.code).toBe('FAIL');
    expect(Object.keys(body).sort()).toEqual(['code', 'message']);
    expect(res.body).not.toMatch(/key=|Unexpected token|ABC|Wechatpay-Signature/);
  });

  it('a store that cannot record is 500 FAIL, so WeChat retries', async () => {
    h.api.notification = TE.left({ _tag: 'Unavailable', message: 'database is locked' });
    const res = await deliver();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'FAIL', message: expect.any(String) });
    expect(res.body).not.toContain('locked');
  });

  it('a notification without a content type is still read raw', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/notifications/wechatpay',
      headers: signatureHeaders,
      payload: Buffer.from(rawBody, 'utf8'),
    });
    expect(res.statusCode).toBe(200);
    expect((lastCall(h.api, 'receiveNotification')[0] as IncomingNotification).body).toBe(rawBody);
  });

  it('recording that outlasts the deadline is answered FAIL, so WeChat retries', async () => {
    const slow = createHarness({ notificationDeadlineMs: 10 });
    slow.api.notification = () => new Promise(() => undefined);
    const res = await slow.app.inject({
      method: 'POST',
      url: '/notifications/wechatpay',
      headers: { ...signatureHeaders, 'content-type': 'application/json' },
      payload: rawBody,
    });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('FAIL');
    await slow.app.close();
  });

  it('an oversized notification is refused with FAIL before reaching the core', async () => {
    const res = await deliver(`{"pad":"${'x'.repeat(70 * 1024)}"}`);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('FAIL');
    expect(h.api.calls).toHaveLength(0);
  });
});
