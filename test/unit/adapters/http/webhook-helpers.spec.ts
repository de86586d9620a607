import * as TE from 'fp-ts/TaskEither';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeApi, createMemoryLogger, lastCall, type FakeApi, type LogLine } from './fake-api';
import Fastify from 'fastify';
import { webhookPlugin } from '../../../../src/adapters/http/fastify';
import { createWebhookHandler, WEBHOOK_PATH } from '../../../../src/adapters/http/webhook-handler';
import {
  createWebhookMiddleware,
  type WebhookMiddlewareRequest,
} from '../../../../src/adapters/http/webhook-middleware';
import type { IncomingNotification } from '../../../../src/ports/notification-verifier';

const signatureHeaders = {
  'wechatpay-timestamp': '1764237600',
  'wechatpay-nonce': 'n0nce',
  'wechatpay-serial': '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  'wechatpay-signature': 'c2lnbmF0dXJl',
};

// Odd spacing, escapes and non-ASCII text: any re-serialisation or mis-decoding would change the bytes.
const rawBody =
  '{ "id":"EV-1" ,"event_type":"REFUND.SUCCESS","summary":"\\u9000\\u6b3e\u6210\u529f",\n' +
  '"resource":{"ciphertext":"YWJj","nonce":"n","associated_data":"refund"}}';

const SUCCESS = '{"code":"SUCCESS","message":"成功"}';

const received = (api: FakeApi): IncomingNotification =>
  lastCall(api, 'receiveNotification')[0] as IncomingNotification;

describe('createWebhookHandler (framework-free)', () => {
  let api: FakeApi;
  beforeEach(() => {
    api = createFakeApi();
  });

  it.each([
    ['a string', rawBody],
    ['a Buffer', Buffer.from(rawBody, 'utf8')],
    ['a Uint8Array slice', new Uint8Array(Buffer.from(`xx${rawBody}yy`, 'utf8')).subarray(2, -2)],
  ])('acks a recorded notification with 200 SUCCESS, given the body as %s', async (_kind, body) => {
    const res = await createWebhookHandler(api)({ body, headers: signatureHeaders });
    expect(res).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: SUCCESS,
    });
    expect(received(api).body).toBe(rawBody);
    expect(received(api).headers).toMatchObject(signatureHeaders);
  });

  it('lower-cases header names and joins repeated headers, as node would give them', async () => {
    await createWebhookHandler(api)({
      body: rawBody,
      headers: { 'Wechatpay-Serial': 'ABC', 'x-forwarded-for': ['1.1.1.1', '2.2.2.2'] },
    });
    expect(received(api).headers).toEqual({
      'wechatpay-serial': 'ABC',
      'x-forwarded-for': '1.1.1.1, 2.2.2.2',
    });
  });

  it('answers a forged notification 401 FAIL, naming nothing internal', async () => {
    api.notification = TE.left({ _tag: 'NotificationRejected', error: { _tag: 'BadSignature' } });
    const res = await createWebhookHandler(api)({ body: rawBody, headers: signatureHeaders });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ code: 'FAIL', message: 'signature verification failed' });
  });

  it('answers 500 FAIL when recording outlasts the deadline, so WeChat retries', async () => {
    const logs: LogLine[] = [];
    api.notification = () => new Promise(() => undefined);
    const res = await createWebhookHandler(api, { deadlineMs: 10, logger: createMemoryLogger(logs) })({
      body: rawBody,
      headers: signatureHeaders,
      correlationId: 'req-7',
    });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).code).toBe('FAIL');
    expect(logs).toContainEqual(
      expect.objectContaining({
        message: 'notification not recorded in time',
        fields: { correlationId: 'req-7' },
      }),
    );
  });

  it('answers 500 FAIL when the core crashes, and logs it', async () => {
    const logs: LogLine[] = [];
    api.notification = () => Promise.reject(new Error('bug'));
    const res = await createWebhookHandler(api, { logger: createMemoryLogger(logs) })({
      body: rawBody,
      headers: signatureHeaders,
    });
    expect(res.status).toBe(500);
    expect(logs.map((l) => l.level)).toEqual(['error']);
  });

  it('refuses an oversized body with 413 FAIL before reaching the core', async () => {
    const res = await createWebhookHandler(api, { bodyLimitBytes: 100 })({
      body: Buffer.alloc(101, 0x20),
      headers: signatureHeaders,
    });
    expect(res.status).toBe(413);
    expect(api.calls).toHaveLength(0);
  });
});

describe('webhookPlugin on a bare fastify app', () => {
  const build = (api: FakeApi) => {
    const app = Fastify();
    // The platform's own JSON route beside the webhook: its parser must be left alone.
    app.post('/orders', async (request) => ({ echoed: request.body }));
    app.register(webhookPlugin, { api });
    return app;
  };

  it('passes the raw bytes of a JSON body through, and leaves the app JSON parsing elsewhere', async () => {
    const api = createFakeApi();
    const app = build(api);
    const hook = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: { ...signatureHeaders, 'content-type': 'application/json' },
      payload: rawBody,
    });
    expect(hook.statusCode).toBe(200);
    expect(hook.body).toBe(SUCCESS);
    expect(received(api).body).toBe(rawBody);
    const orders = await app.inject({ method: 'POST', url: '/orders', payload: { a: 1 } });
    expect(orders.json()).toEqual({ echoed: { a: 1 } });
    await app.close();
  });

  it('mounts under a prefix and a path the platform chooses, and answers forgeries 401', async () => {
    const api = createFakeApi();
    api.notification = TE.left({ _tag: 'NotificationRejected', error: { _tag: 'BadSignature' } });
    const app = Fastify();
    app.register(webhookPlugin, { api, path: '/wechat', prefix: '/hooks' });
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/wechat',
      headers: signatureHeaders,
      payload: rawBody,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('FAIL');
    await app.close();
  });

  it('refuses an oversized body with 413 FAIL', async () => {
    const api = createFakeApi();
    const app = Fastify();
    app.register(webhookPlugin, { api, bodyLimitBytes: 100 });
    const res = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json' },
      payload: `{"pad":"${'x'.repeat(200)}"}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('FAIL');
    expect(api.calls).toHaveLength(0);
    await app.close();
  });
});

/**
 * express's contract without express: a router that hands `(req, res, next)` to the middleware,
 * optionally after a "body parser" that leaves `req.body` as express's parsers would.
 */
type Parser = (req: WebhookMiddlewareRequest) => Promise<void>;

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
const rawParser: Parser = async (req) => {
  req.body = await readAll(req);
};
const jsonParser: Parser = async (req) => {
  req.body = JSON.parse((await readAll(req)).toString('utf8')) as unknown;
};
/** body-parser's json() for a content type it does not handle: `{}` and the stream untouched. */
const skippingParser: Parser = async (req) => {
  req.body = {};
};

const serve = async (api: FakeApi, parser: Parser | undefined, logs: LogLine[] = []) => {
  const middleware = createWebhookMiddleware(api, { logger: createMemoryLogger(logs), bodyLimitBytes: 1024 });
  const nextCalls: unknown[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== WEBHOOK_PATH) {
      res.writeHead(404).end();
      return;
    }
    void (parser ?? (async () => undefined))(req).then(() => middleware(req, res, (e) => nextCalls.push(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`;
  return {
    nextCalls,
    post: (body: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { ...signatureHeaders, ...headers }, body }),
    get: () => fetch(url),
    /** Sent in chunks with no Content-Length, so only the running count can stop it. */
    postChunked: (parts: readonly string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(url, { method: 'POST', headers: signatureHeaders }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        });
        req.on('error', reject);
        for (const part of parts) req.write(part);
        req.end();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe('createWebhookMiddleware on a node:http server, as express would call it', () => {
  it.each<[string, Parser | undefined]>([
    ['reading the stream itself', undefined],
    ['taking the Buffer a raw parser left in req.body', rawParser],
    ['reading the stream a JSON parser skipped', skippingParser],
  ])('acks 200 SUCCESS with the exact bytes, %s', async (_how, parser) => {
    const api = createFakeApi();
    const s = await serve(api, parser);
    try {
      const res = await s.post(rawBody, { 'content-type': 'text/plain' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.text()).toBe(SUCCESS);
      expect(received(api).body).toBe(rawBody);
      expect(s.nextCalls).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('answers 500 FAIL and logs why when a JSON parser ran first, so nothing unverifiable is taken', async () => {
    const api = createFakeApi();
    const logs: LogLine[] = [];
    const s = await serve(api, jsonParser, logs);
    try {
      const res = await s.post(rawBody, { 'content-type': 'application/json' });
      expect(res.status).toBe(500);
      expect(api.calls).toHaveLength(0);
      expect(logs.map((l) => l.message).join()).toMatch(/before any JSON body parser/);
    } finally {
      await s.close();
    }
  });

  it('answers a forged notification 401 FAIL', async () => {
    const api = createFakeApi();
    api.notification = TE.left({ _tag: 'NotificationRejected', error: { _tag: 'BadSignature' } });
    const s = await serve(api, undefined);
    try {
      const res = await s.post(rawBody);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('FAIL');
    } finally {
      await s.close();
    }
  });

  it('refuses a body over the limit with 413 FAIL, without reaching the core', async () => {
    const api = createFakeApi();
    const s = await serve(api, undefined);
    try {
      const res = await s.post('x'.repeat(2048));
      expect(res.status).toBe(413);
      expect(api.calls).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('stops reading a chunked body (no Content-Length) once it passes the limit: 413 FAIL', async () => {
    const api = createFakeApi();
    const s = await serve(api, undefined);
    try {
      const res = await s.postChunked(['x'.repeat(600), 'x'.repeat(600)]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).code).toBe('FAIL');
      expect(api.calls).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('answers anything but POST with 405', async () => {
    const api = createFakeApi();
    const s = await serve(api, undefined);
    try {
      const res = await s.get();
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    } finally {
      await s.close();
    }
  });
});
