import * as E from 'fp-ts/Either';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport } from '../../../../src/adapters/wechatpay/http-transport';
import { longestSagaCallMs, resolveConfig } from '../../../../src/adapters/wechatpay/config';

/**
 * A saga step starts a call only while its lease outlasts the call, so a call must end by its
 * deadline however the server behaves: undici's timeouts bound each silence, not the whole call.
 */
const transportTo = (baseUrl: string) =>
  createTransport({
    baseUrl,
    userAgent: 'test',
    signer: { authorization: async () => 'WECHATPAY2-SHA256-RSA2048 test' },
    clock: { now: () => Date.now() },
    connections: 1,
    keepAliveTimeoutMs: 1_000,
    connectTimeoutMs: 1_000,
  });

describe('a call to WeChat ends by its deadline', () => {
  let server: Server;
  let baseUrl = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      // Headers at once, then a byte every 100 ms for 3 s: no silence ever reaches a timeout.
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const drip = setInterval(() => {
        n += 1;
        if (n >= 30 || req.destroyed) {
          clearInterval(drip);
          res.end(' {}');
        } else res.write(' ');
      }, 100);
      req.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a slow drip that never falls silent is cut at the deadline, as a timeout', async () => {
    const transport = transportTo(baseUrl);
    const started = Date.now();
    const result = await transport.send({ method: 'GET', pathAndQuery: '/drip' }, 500);
    const took = Date.now() - started;
    await transport.close();
    expect(E.isLeft(result) && result.left._tag).toBe('Timeout');
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(1_500);
  });

  it('an answer within the deadline is unaffected', async () => {
    const quick = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => quick.listen(0, '127.0.0.1', resolve));
    const transport = transportTo(`http://127.0.0.1:${(quick.address() as AddressInfo).port}`);
    const result = await transport.send({ method: 'GET', pathAndQuery: '/' }, 500);
    await transport.close();
    quick.closeAllConnections();
    await new Promise((resolve) => quick.close(resolve));
    expect(E.isRight(result) && result.right.status).toBe(200);
  });

  it('the longest saga call: writes once, reads with their retries and back-off', () => {
    const base = resolveConfig({
      baseUrl,
      spMchid: '1900000100',
      spAppid: 'wx0000000000000000',
      merchantSerial: 'S',
      merchantPrivateKeyPem: 'unused',
      apiV3Key: '0123456789abcdef0123456789abcdef',
    } as Parameters<typeof resolveConfig>[0]);
    // Defaults: a query is three 5 s attempts with 200 + 400 ms between them; pay is 10 s.
    expect(longestSagaCallMs(base)).toBe(15_600);
    expect(longestSagaCallMs({ ...base, readRetry: { ...base.readRetry, attempts: 1 } })).toBe(10_000);
  });
});
