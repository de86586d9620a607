import { generateKeyPairSync } from 'node:crypto';
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

  it('does not refresh again for unknown serials within the minimum interval, and does after it', async () => {
    const clock = manualClock();
    order = () =>
      signedJson(200, transactionJson(), NOW_S, {
        serial: 'ABCDEF0123456789',
        privateKey: nextKeys.privateKey,
      });
    const { client } = clientFor(server, { minCertificateRefreshIntervalMs: 60_000 }, clock);
    await client.gateway.queryOrder(ORDER)();
    await client.gateway.queryOrder(ORDER)();
    expect(certificateCalls()).toHaveLength(1);
    clock.set(NOW_MS + 60_000);
    order = () =>
      signedJson(200, transactionJson(), NOW_S + 60, {
        serial: 'ABCDEF0123456789',
        privateKey: nextKeys.privateKey,
      });
    certificates = () => certificatesReply(undefined, platformSigner, NOW_S + 60);
    await client.gateway.queryOrder(ORDER)();
    await client.close();
    expect(certificateCalls()).toHaveLength(2);
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
    const { client } = clientFor(server, { certificateRefreshIntervalMs: 20 });
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
