import * as E from 'fp-ts/Either';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as t from 'io-ts';
import { startSandbox, type RunningSandbox, type SandboxCall } from '../../src/adapters/sandbox';
import { createWeChatPayClient, type WeChatPayClient } from '../../src/adapters/wechatpay';
import {
  AppIdCodec,
  AuthCodeCodec,
  OutRefundNoCodec,
  OutTradeNoCodec,
  SpMchidCodec,
  SubMchidCodec,
  type OutTradeNo,
} from '../../src/domain/shared/ids';
import { unsafeMoney } from '../../src/domain/shared/money';
import { loadConfig } from '../../src/main/config';
import { startService } from '../../src/main/service';
import type { LogFields, Logger } from '../../src/ports/logger';
import { silentLogger, startTestSandbox } from '../../src/testing';
import {
  authCode,
  manualClock,
  removeDir,
  tempStateDir,
  uniqueNo,
  type ManualClock,
} from '../unit/adapters/sandbox/support/harness';

/**
 * WeChat's side of "which instance made this call": clients configured with different instance
 * ids call the sandbox over real HTTP with real signatures, and the sandbox's call record names the
 * instance of every call, in order, as a multi-instance test needs to prove no step ran twice.
 */

const brand = <A>(codec: t.Type<A, string, unknown>, value: string): A => {
  if (!codec.is(value)) throw new Error(`test constant ${value} is not a ${codec.name}`);
  return value;
};

const SUB = brand(SubMchidCodec, '1900000109');
const WEB_1 = 'web-1';
const WEB_2 = 'web-2.eu_west';

let dir: string;
let clock: ManualClock;
let sandbox: RunningSandbox;
const clients: WeChatPayClient[] = [];

const clientFor = (instanceId?: string): WeChatPayClient => {
  const c = sandbox.credentials;
  const client = createWeChatPayClient(
    {
      baseUrl: c.baseUrl,
      spMchid: brand(SpMchidCodec, c.spMchid),
      spAppid: brand(AppIdCodec, c.spAppid),
      merchantSerial: c.merchantSerial,
      merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
      apiV3Key: readFileSync(c.apiV3KeyPath, 'utf8'),
      certificateRefreshIntervalMs: 0,
      readRetry: { attempts: 1 },
      ...(instanceId === undefined ? {} : { instanceId }),
    },
    { clock, logger: silentLogger },
  );
  clients.push(client);
  return client;
};

const callsAt = async (query = ''): Promise<Response> => fetch(`${sandbox.baseUrl}/sandbox/calls${query}`);

const calls = async (query = ''): Promise<SandboxCall[]> => {
  const response = await callsAt(query);
  expect(response.status).toBe(200);
  return ((await response.json()) as { calls: SandboxCall[] }).calls;
};

/** The calls of the saga steps, leaving out certificate downloads (each client makes its own). */
const steps = (all: readonly SandboxCall[]) => all.filter((c) => c.operation !== 'platformCertificates');

const payWith = async (client: WeChatPayClient, outTradeNo: OutTradeNo) => {
  const paid = await client.gateway.pay({
    subMchid: SUB,
    outTradeNo,
    description: 'Calls shop - tea',
    authCode: brand(AuthCodeCodec, authCode('00')),
    amount: unsafeMoney(1000, 'HKD'),
    merchantCategoryCode: '5812',
  })();
  if (paid._tag !== 'Success') throw new Error(`pay: ${paid._tag}`);
  return paid.value;
};

let web1: WeChatPayClient;
let web2: WeChatPayClient;
let start: number;
const x = brand(OutTradeNoCodec, uniqueNo('cx'));
const y = brand(OutTradeNoCodec, uniqueNo('cy'));
const r = brand(OutRefundNoCodec, uniqueNo('cr'));

beforeAll(async () => {
  dir = tempStateDir();
  clock = manualClock();
  sandbox = await startSandbox({ stateDir: dir, clock, tickMs: 5 });
  web1 = clientFor(WEB_1);
  web2 = clientFor(WEB_2);
  const before = await calls();
  start = before[before.length - 1]?.seq ?? 0;

  // Two instances take turns on two orders: pay, query, refund, query the refund, reverse.
  await payWith(web1, x);
  expect((await web2.gateway.queryOrder({ subMchid: SUB, outTradeNo: x })())._tag).toBe('Success');
  const paidY = await payWith(web2, y);
  const refunded = await web1.gateway.refund({
    subMchid: SUB,
    transactionId: paidY.transactionId,
    outRefundNo: r,
    refund: unsafeMoney(300, 'HKD'),
    total: unsafeMoney(1000, 'HKD'),
  })();
  expect(refunded._tag).toBe('Success');
  expect((await web2.gateway.queryRefund({ subMchid: SUB, outRefundNo: r })())._tag).toBe('Success');
  clock.advance(16_000);
  expect((await web1.gateway.reverse({ subMchid: SUB, outTradeNo: x })())._tag).toBe('Success');
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await sandbox.close();
  removeDir(dir);
});

describe('GET /sandbox/calls', () => {
  it('lists each call with the instance that made it, its operation and ids, in order', async () => {
    const recorded = await calls(`?since=${start}`);
    expect(
      steps(recorded).map((c) => [c.operation, c.instance, c.outTradeNo, c.outRefundNo, c.status]),
    ).toEqual([
      ['pay', WEB_1, x, undefined, 200],
      ['queryOrder', WEB_2, x, undefined, 200],
      ['pay', WEB_2, y, undefined, 200],
      ['refund', WEB_1, y, r, 200],
      ['queryRefund', WEB_2, y, r, 200],
      ['reverse', WEB_1, x, undefined, 204],
    ]);
    expect(steps(recorded).every((c) => c.subMchid === SUB && c.fault === undefined)).toBe(true);
    // Each client downloaded the platform certificates once, before its first verified answer.
    expect(
      recorded
        .filter((c) => c.operation === 'platformCertificates')
        .map((c) => c.instance)
        .sort(),
    ).toEqual([WEB_1, WEB_2]);
    const seqs = recorded.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const call of recorded) {
      expect(call.answeredAt).toBeGreaterThanOrEqual(call.receivedAt);
      expect(Date.parse(call.businessAt)).toBeGreaterThan(0);
    }
    const reverse = recorded.find((c) => c.operation === 'reverse');
    const firstPay = recorded.find((c) => c.operation === 'pay');
    expect(Date.parse(reverse?.businessAt ?? '') - Date.parse(firstPay?.businessAt ?? '')).toBe(16_000);
  });

  it('filters by operation, order, refund, instance and seq, alone or together', async () => {
    const seqOf = (all: readonly SandboxCall[]) => all.map((c) => c.seq);
    const all = steps(await calls(`?since=${start}`));
    const pick = (keep: (c: SandboxCall) => boolean) => seqOf(all.filter(keep));

    expect(seqOf(await calls(`?operation=pay&since=${start}`))).toEqual(pick((c) => c.operation === 'pay'));
    expect(seqOf(await calls(`?outTradeNo=${x}`))).toEqual(pick((c) => c.outTradeNo === x));
    expect((await calls(`?outTradeNo=${x}`)).map((c) => c.operation)).toEqual([
      'pay',
      'queryOrder',
      'reverse',
    ]);
    expect((await calls(`?outRefundNo=${r}`)).map((c) => [c.operation, c.instance])).toEqual([
      ['refund', WEB_1],
      ['queryRefund', WEB_2],
    ]);
    expect(steps(await calls(`?instance=${WEB_2}&since=${start}`)).map((c) => c.operation)).toEqual([
      'queryOrder',
      'pay',
      'queryRefund',
    ]);
    expect(
      (await calls(`?instance=${WEB_1}&outTradeNo=${x}&operation=reverse`)).map((c) => c.status),
    ).toEqual([204]);
    const third = all[2]?.seq ?? 0;
    expect(seqOf(steps(await calls(`?since=${third}`)))).toEqual(pick((c) => c.seq > third));
    expect(await calls(`?instance=nobody`)).toEqual([]);
  });

  it('answers 400 to a bad filter, saying what is wrong', async () => {
    for (const [query, message] of [
      ['?operation=charge', /^query parameter operation: expected "pay" \| /],
      ['?since=yesterday', /^query parameter since: expected call seq/],
      ['?instance=web%201', /^query parameter instance: expected instance id/],
      ['?outtradeno=x', /^query parameter outtradeno: unknown filter/],
    ] as const) {
      const response = await callsAt(query);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
  });

  it('records a client without an instance id with instance null', async () => {
    const anonymous = clientFor();
    const z = brand(OutTradeNoCodec, uniqueNo('cz'));
    await payWith(anonymous, z);
    expect((await calls(`?outTradeNo=${z}`)).map((c) => [c.operation, c.instance])).toEqual([['pay', null]]);
  });

  it('is what the in-process handle answers', async () => {
    const overHttp = await calls(`?since=${start}&instance=${WEB_1}`);
    expect(sandbox.calls({ since: start, instance: WEB_1 })).toEqual(overHttp);
    expect(sandbox.calls({ outTradeNo: x, operation: 'queryOrder' }).map((c) => c.instance)).toEqual([WEB_2]);
  });
});

describe('the testing kit', () => {
  it("startTestSandbox's calls name the instance of a client built from its configuration", async () => {
    const wechat = await startTestSandbox();
    const client = createWeChatPayClient(
      { ...wechat.wechatPay, instanceId: 'kit-1' },
      { clock: wechat.clock, timers: wechat.timers, logger: silentLogger },
    );
    try {
      const outTradeNo = brand(OutTradeNoCodec, uniqueNo('ck'));
      await payWith(client, outTradeNo);
      expect(wechat.calls({ outTradeNo })).toEqual([
        expect.objectContaining({ operation: 'pay', instance: 'kit-1', outTradeNo, status: 200 }),
      ]);
      expect(wechat.calls({ instance: 'kit-1' }).map((c) => c.operation)).toEqual([
        'platformCertificates',
        'pay',
      ]);
    } finally {
      await client.close();
      await wechat.close();
    }
  });
});

describe('the service', () => {
  it('names WPG_INSTANCE_ID to WeChat in every call, and in its start line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wpg-calls-service-'));
    const started: LogFields[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: (message, fields) => void (message === 'service started' && started.push(fields ?? {})),
      warn: () => undefined,
      error: () => undefined,
      child: () => logger,
    };
    const config = loadConfig({
      WPG_DATA_DIR: dataDir,
      WPG_EVENT_STORE: 'memory',
      WPG_PORT: '0',
      WPG_INSTANCE_ID: 'svc-7',
    });
    if (E.isLeft(config)) throw new Error(config.left.join('; '));
    const service = await startService(config.right, { logger });
    try {
      // Trust comes first: the platform certificates are downloaded before the service listens.
      const recorded = service.sandbox?.calls() ?? [];
      expect(recorded.length).toBeGreaterThan(0);
      expect(recorded.map((c) => [c.operation, c.instance])).toContainEqual([
        'platformCertificates',
        'svc-7',
      ]);
      expect(recorded.every((c) => c.instance === 'svc-7')).toBe(true);
      expect(started).toEqual([expect.objectContaining({ instance: 'svc-7' })]);
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
