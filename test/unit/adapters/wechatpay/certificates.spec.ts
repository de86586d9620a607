import { generateKeyPairSync } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { createManualClock, createManualTimers } from '../../../../src/adapters/system';
import { createCertificateStore } from '../../../../src/adapters/wechatpay/certificate-store';
import type { OutTradeNo, SubMchid } from '../../../../src/domain/shared/ids';
import { createWeChatPayClient } from '../../../../src/adapters/wechatpay';
import {
  certificatesBody,
  signedHeaders,
  startFakeWeChat,
  type FakeWeChat,
  type Reply,
} from './support/fake-wechat';
import { transactionJson } from './support/samples';
import {
  API_V3_KEY,
  baseConfig,
  certificateFor,
  certificatesReply,
  clientFor,
  DAY_MS,
  manualClock,
  memoryLogger,
  NOW_MS,
  NOW_S,
  PLATFORM_SERIAL,
  platformCertificatePem,
  platformSigner,
  signedJson,
  expectStandardHeaders,
} from './support/world';

const ORDER = { subMchid: '1900000109' as SubMchid, outTradeNo: 'T20261126001' as OutTradeNo };
const NEXT_SERIAL = '7A1C3F0E5D2B4A6987F0E1D2C3B4A5968778695A';
const nextKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const nextSigner = { serial: NEXT_SERIAL, privateKey: nextKeys.privateKey };
const nextCertificatePem = certificateFor(nextKeys, NEXT_SERIAL);
const both = [
  { serial: PLATFORM_SERIAL, pem: platformCertificatePem },
  { serial: NEXT_SERIAL, pem: nextCertificatePem },
];
const noPin = { pinnedPlatformCertificatePem: undefined } as const;

let server: FakeWeChat;
let certificates: () => Reply;
let order: () => Reply;
beforeEach(async () => {
  certificates = () => certificatesReply();
  order = () => signedJson(200, transactionJson());
  server = await startFakeWeChat((req) =>
    req.path === '/v3/global/certificates' ? certificates() : order(),
  );
});
afterEach(() => server.close());

const certificateCalls = () => server.requests.filter((r) => r.path === '/v3/global/certificates');

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

describe('platform certificates (reference §4)', () => {
  it('bootstraps without a pin: the first download is trusted when signed by a certificate it contains', async () => {
    const { client } = clientFor(server, noPin);
    const outcome = await client.gateway.queryOrder(ORDER)();
    await client.close();
    expect(outcome._tag).toBe('Success');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/v3/global/transactions/out-trade-no/T20261126001',
      '/v3/global/certificates',
    ]);
    const download = certificateCalls()[0];
    expect(download?.method).toBe('GET');
    expect(download?.target).toBe('/v3/global/certificates');
    if (download) expectStandardHeaders(download);
  });

  it('refuses a bootstrap download signed by a certificate it does not contain', async () => {
    certificates = () =>
      certificatesReply([{ serial: NEXT_SERIAL, pem: nextCertificatePem }], platformSigner);
    const { client } = clientFor(server, noPin);
    expect(await client.gateway.platformCertificates()()).toMatchObject({
      _tag: 'Unknown',
      reason: 'UnverifiedResponse',
    });
    await client.close();
  });

  it('with a pin, a download signed by an unpinned certificate is refused even if it contains it', async () => {
    certificates = () => certificatesReply([{ serial: NEXT_SERIAL, pem: nextCertificatePem }], nextSigner);
    order = () => signedJson(200, transactionJson(), NOW_S, nextSigner);
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryOrder(ORDER)();
    await client.close();
    expect(outcome).toMatchObject({
      _tag: 'Unknown',
      reason: 'UnverifiedResponse',
      detail: expect.stringContaining(NEXT_SERIAL),
    });
  });

  it('keeps every valid certificate, so responses signed with either serial verify during rotation', async () => {
    certificates = () => certificatesReply(both, platformSigner);
    order = () => signedJson(200, transactionJson(), NOW_S, nextSigner);
    const { client } = clientFor(server);
    expect((await client.gateway.queryOrder(ORDER)())._tag).toBe('Success');
    order = () => signedJson(200, transactionJson(), NOW_S, platformSigner);
    expect((await client.gateway.queryOrder(ORDER)())._tag).toBe('Success');
    const listed = await client.gateway.platformCertificates()();
    await client.close();
    expect(listed).toMatchObject({ _tag: 'Success' });
    expect(listed._tag === 'Success' && listed.value.map((c) => c.serialNo).sort()).toEqual(
      [PLATFORM_SERIAL, NEXT_SERIAL].sort(),
    );
    expect(certificateCalls()).toHaveLength(1);
  });

  it('an unknown serial triggers one single-flight refresh for all concurrent callers, then fails', async () => {
    const stranger = { serial: 'ABCDEF0123456789', privateKey: nextKeys.privateKey };
    order = () => signedJson(200, transactionJson(), NOW_S, stranger);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.handle = async (req) => {
      if (req.path !== '/v3/global/certificates') return order();
      await gate;
      return certificates();
    };
    const { client } = clientFor(server);
    const calls = Array.from({ length: 5 }, () => client.gateway.queryOrder(ORDER)());
    await until(() => certificateCalls().length === 1 && server.requests.length === 6);
    release();
    const outcomes = await Promise.all(calls);
    await client.close();
    expect(outcomes.every((o) => o._tag === 'Unknown' && o.detail.includes('ABCDEF0123456789'))).toBe(true);
    expect(certificateCalls()).toHaveLength(1);
  });

  it('start() downloads at once; a serial listed only after that download is learnt by one more', async () => {
    const { client } = clientFor(server, { minCertificateRefreshIntervalMs: 0 });
    await client.start();
    expect(certificateCalls()).toHaveLength(1);
    // WeChat switches to a certificate it lists only from the moment it signs with it.
    certificates = () => certificatesReply(both, platformSigner);
    order = () => signedJson(200, transactionJson(), NOW_S, nextSigner);
    const outcome = await client.gateway.queryOrder(ORDER)();
    const stats = client.certificateStats();
    await client.close();
    expect(outcome._tag).toBe('Success');
    expect(certificateCalls()).toHaveLength(2);
    expect(stats).toMatchObject({ downloads: 2, failedDownloads: 0, trusted: true });
    expect(stats.firstVerifiedAt[NEXT_SERIAL]).toBe(NOW_MS);
  });

  it('skips expired and undecryptable entries, keeping the good ones', async () => {
    const expiredKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const expired = certificateFor(expiredKeys, '0102030405', NOW_MS - 400 * DAY_MS, NOW_MS - DAY_MS);
    const body = JSON.parse(
      certificatesBody(API_V3_KEY, [
        { serial: '0102030405', pem: expired, effective: 'e', expire: 'x' },
        { serial: NEXT_SERIAL, pem: nextCertificatePem, effective: 'e', expire: 'x' },
        {
          serial: PLATFORM_SERIAL,
          pem: platformCertificatePem,
          effective: '2026-10-27T08:00:00+08:00',
          expire: '2027-11-26T08:00:00+08:00',
        },
      ]),
    ) as { data: { encrypt_certificate: { ciphertext: string } }[] };
    const second = body.data[1];
    if (second) second.encrypt_certificate.ciphertext = `A${second.encrypt_certificate.ciphertext.slice(1)}`;
    const text = JSON.stringify(body);
    certificates = () => ({
      status: 200,
      headers: signedHeaders(platformSigner, text, { timestampSeconds: NOW_S }),
      body: text,
    });
    const { client, logger } = clientFor(server, noPin);
    const listed = await client.gateway.platformCertificates()();
    await client.close();
    expect(listed).toEqual({
      _tag: 'Success',
      requestId: expect.any(String),
      value: [
        {
          serialNo: PLATFORM_SERIAL,
          effectiveTime: '2026-10-27T08:00:00+08:00',
          expireTime: '2027-11-26T08:00:00+08:00',
        },
      ],
    });
    const skipped = logger.lines.find((l) => l.message === 'platform certificates skipped');
    expect(JSON.stringify(skipped?.fields)).toContain('outside its validity');
    expect(JSON.stringify(skipped?.fields)).toContain('decrypt failed');
    expect(JSON.stringify(logger.lines)).not.toContain(API_V3_KEY);
  });

  it('a certificate past its expiry stops being used, which sends the client back for new ones', async () => {
    const clock = manualClock();
    const { client } = clientFor(server, noPin, clock);
    expect((await client.gateway.queryOrder(ORDER)())._tag).toBe('Success');
    expect(certificateCalls()).toHaveLength(1);
    const later = NOW_MS + 366 * DAY_MS;
    clock.set(later);
    order = () => signedJson(200, transactionJson(), Math.floor(later / 1000));
    certificates = () => certificatesReply(undefined, platformSigner, Math.floor(later / 1000));
    expect(await client.gateway.queryOrder(ORDER)()).toMatchObject({
      _tag: 'Unknown',
      reason: 'UnverifiedResponse',
    });
    await client.close();
    expect(certificateCalls()).toHaveLength(2);
  });

  it('refreshes on the configured schedule', async () => {
    const { client } = clientFor(server, {
      certificateRefreshIntervalMs: 20,
      minCertificateRefreshIntervalMs: 0,
    });
    await until(() => certificateCalls().length >= 2);
    await client.close();
    expect(certificateCalls().length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a refresh interval of 12 hours or more, and a bad APIv3 key, without echoing it', () => {
    const deps = { clock: manualClock(), logger: memoryLogger() };
    expect(() =>
      createWeChatPayClient(
        { ...baseConfig(server.url), certificateRefreshIntervalMs: 12 * 3_600_000 },
        deps,
      ),
    ).toThrow('12 hours');
    expect(() =>
      createWeChatPayClient({ ...baseConfig(server.url), apiV3Key: 'tooShortSecret' }, deps),
    ).toThrow(/^apiV3Key must be 32 printable ASCII characters$/);
  });

  describe('platform public-key mode (§4, UNCONFIRMED on Global)', () => {
    const PUB_KEY_ID = 'PUB_KEY_ID_0119000001002026112600000000000001';
    const pubKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = {
      ...noPin,
      platformPublicKey: {
        id: PUB_KEY_ID,
        pem: pubKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    };

    it('verifies a PUB_KEY_ID_ serial with the configured key, without downloading anything', async () => {
      order = () =>
        signedJson(200, transactionJson(), NOW_S, { serial: PUB_KEY_ID, privateKey: pubKeys.privateKey });
      const { client } = clientFor(server, config);
      expect((await client.gateway.queryOrder(ORDER)())._tag).toBe('Success');
      await client.close();
      expect(certificateCalls()).toHaveLength(0);
    });

    it('counts as trust at once: start() downloads nothing and readiness holds', async () => {
      const { client } = clientFor(server, config);
      await client.start();
      expect(await client.gateway.platformTrust(0)()).toBe(true);
      await client.close();
      expect(certificateCalls()).toHaveLength(0);
    });

    it('still accepts certificate serials beside it', async () => {
      const { client } = clientFor(server, config);
      expect((await client.gateway.queryOrder(ORDER)())._tag).toBe('Success');
      await client.close();
      expect(certificateCalls()).toHaveLength(1);
    });

    it('an unknown PUB_KEY_ID_ serial fails without a download: keys never come from the API', async () => {
      order = () =>
        signedJson(200, transactionJson(), NOW_S, {
          serial: 'PUB_KEY_ID_OTHER',
          privateKey: pubKeys.privateKey,
        });
      const { client } = clientFor(server, config);
      expect(await client.gateway.queryOrder(ORDER)()).toMatchObject({
        _tag: 'Unknown',
        reason: 'UnverifiedResponse',
      });
      await client.close();
      expect(certificateCalls()).toHaveLength(0);
    });
  });
});

describe('certificate store: when downloads happen', () => {
  const STRANGER = 'ABCDEF0123456789';
  const limits = {
    minRefreshIntervalMs: 5_000,
    maxDownloadsPerMinute: 10,
    retryBaseMs: 1_000,
    retryMaxMs: 60_000,
    maxMissWaitMs: 5_000,
  };

  const setUp = (overrides: Partial<typeof limits> = {}) => {
    const clock = createManualClock(NOW_MS);
    const timers = createManualTimers(clock);
    const starts: number[] = [];
    const world = {
      listed: [{ serial: PLATFORM_SERIAL, pem: platformCertificatePem }] as { serial: string; pem: string }[],
      failing: false,
      gate: undefined as Promise<void> | undefined,
    };
    const store = createCertificateStore({
      clock,
      timers,
      logger: memoryLogger(),
      apiV3Key: API_V3_KEY,
      pinned: [],
      publicKeys: [],
      limits: { ...limits, ...overrides },
      classify: { transientCodes: new Set(), tradeStateMeansInProgress: false },
      download: async () => {
        starts.push(clock.now());
        if (world.gate !== undefined) await world.gate;
        if (world.failing) return E.left({ _tag: 'ConnectionError', detail: 'refused' });
        const reply = certificatesReply(world.listed, platformSigner, Math.floor(clock.now() / 1000));
        return E.right({
          status: reply.status,
          headers: Object.fromEntries(
            Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
          ),
          body: Buffer.from(reply.body ?? ''),
        });
      },
    });
    return { clock, store, starts, world };
  };

  /** Lets downloads and their continuations run (they resolve on promises, not on the clock). */
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };

  const lookup = async (store: ReturnType<typeof setUp>['store'], serial: string) => {
    const found = store.keyFor(serial);
    return found instanceof Promise ? found : Promise.resolve(found);
  };

  it('start() downloads before anything asks, and whenTrusted resolves once it has', async () => {
    const { store, starts } = setUp();
    expect(store.isTrusted()).toBe(false);
    const trusted = store.whenTrusted(3_000);
    await store.start();
    expect(await trusted).toBe(true);
    expect(starts).toEqual([NOW_MS]);
  });

  it('whenTrusted answers false once its wait is over while downloads keep failing', async () => {
    const { clock, store, world } = setUp();
    world.failing = true;
    const trusted = store.whenTrusted(3_000);
    await flush();
    clock.advance(3_000);
    await flush();
    expect(await trusted).toBe(false);
    store.close();
  });

  it('misses arriving together share one download (single-flight)', async () => {
    const { store, starts, world } = setUp();
    let release: () => void = () => undefined;
    world.gate = new Promise<void>((resolve) => (release = resolve));
    world.listed = both;
    const lookups = Array.from({ length: 5 }, () => lookup(store, NEXT_SERIAL));
    await flush();
    release();
    const keys = await Promise.all(lookups);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect(starts).toHaveLength(1);
  });

  it('a serial first seen within the floor after a download waits for the floor, then is learnt', async () => {
    const { clock, store, starts, world } = setUp();
    await store.start();
    // WeChat starts signing with a new certificate 1 s after our download, listing it only then.
    clock.advance(1_000);
    world.listed = both;
    let key: unknown = 'pending';
    void lookup(store, NEXT_SERIAL).then((k) => (key = k));
    await flush();
    expect(key).toBe('pending');
    expect(starts).toHaveLength(1);
    clock.advance(3_999);
    await flush();
    expect(starts).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(starts).toEqual([NOW_MS, NOW_MS + 5_000]);
    expect(key).toBeDefined();
    expect(key).not.toBe('pending');
  });

  it('a serial still unknown after a download that began after it was seen stays unknown', async () => {
    const { clock, store, starts } = setUp();
    await store.start();
    clock.advance(5_000);
    expect(await lookup(store, STRANGER)).toBeUndefined();
    expect(starts).toHaveLength(2);
  });

  it('a failed download is retried on back-off, which the next miss does not wait out the floor for', async () => {
    const { clock, store, starts, world } = setUp();
    world.failing = true;
    await store.start();
    await flush();
    clock.advance(1_000); // first retry: 1 s after the failure's start
    await flush();
    clock.advance(2_000); // second retry: 2 s later
    await flush();
    expect(starts).toEqual([NOW_MS, NOW_MS + 1_000, NOW_MS + 3_000]);
    world.failing = false;
    world.listed = both;
    // A miss 1 s later waits for the back-off (4 s), not for anything longer.
    clock.advance(1_000);
    let key: unknown = 'pending';
    void lookup(store, NEXT_SERIAL).then((k) => (key = k));
    await flush();
    clock.advance(3_000);
    await flush();
    expect(starts).toEqual([NOW_MS, NOW_MS + 1_000, NOW_MS + 3_000, NOW_MS + 7_000]);
    expect(key).not.toBe('pending');
    expect(key).toBeDefined();
    expect(store.stats()).toMatchObject({ downloads: 4, failedDownloads: 3, trusted: true });
  });

  it('forged serials never start more than maxDownloadsPerMinute downloads in any 60 s window', async () => {
    const { clock, store, starts } = setUp({ minRefreshIntervalMs: 1_000 });
    await store.start();
    // A forged serial every 500 ms for three minutes: each wants a download.
    const answers: Promise<unknown>[] = [];
    for (let t = 0; t < 180_000; t += 500) {
      answers.push(lookup(store, `${STRANGER}${t}`));
      await flush();
      clock.advance(500);
      await flush();
    }
    clock.advance(10_000);
    await flush();
    expect((await Promise.all(answers)).every((k) => k === undefined)).toBe(true);
    for (const start of starts)
      expect(starts.filter((s) => s >= start && s < start + 60_000).length).toBeLessThanOrEqual(10);
    // The bound, not the 1 s floor, is what limits them: about 10 a minute.
    expect(starts.length).toBeGreaterThanOrEqual(28);
    expect(starts.length).toBeLessThanOrEqual(31);
  });

  it('a miss that would wait past maxMissWaitMs for the bound is answered unknown at once', async () => {
    const { clock, store, starts } = setUp({ maxDownloadsPerMinute: 2, minRefreshIntervalMs: 0 });
    await store.start();
    expect(await lookup(store, `${STRANGER}1`)).toBeUndefined();
    expect(starts).toHaveLength(2);
    const before = clock.now();
    expect(await lookup(store, `${STRANGER}2`)).toBeUndefined();
    expect(clock.now()).toBe(before);
    expect(starts).toHaveLength(2);
  });
});
