import { DEFAULT_TIMEOUTS_MS, longestSagaCallMs } from '../../src/adapters/wechatpay/config';
import { DEFAULT_READ_RETRY } from '../../src/adapters/wechatpay/retry';
import { defaultLeaseTtlMs } from '../../src/application/saga-ownership';
import { SAGA_PARTITIONS } from '../../src/ports/saga-leases';
import { type Cluster, startCluster } from '../support/cluster';
import { type ScaleOutReport, runScaleOut, summarise } from '../support/cluster-workload';
import { type EsdbEmulator, startEsdbEmulator } from '../support/esdb-emulator/server';

/**
 * The scale-out run of scale-out.e2e.spec.ts, smaller, on an EventStoreDB log (the protocol-level
 * emulator in this process): two service processes, one killed with -9 while the driver pays,
 * refunds and reverses across them. Each instance keeps its own read models (SQLite in its data
 * directory); the log, and the sagas' ownership, are shared through the emulator.
 */
jest.setTimeout(180_000);

/**
 * The lease TTL the service runs with: its default, sized from its WeChat client's longest saga call
 * (plus the 1 s margin the service adds to make a step's budget).
 */
const LEASE_TTL_MS = defaultLeaseTtlMs(
  longestSagaCallMs({ timeouts: DEFAULT_TIMEOUTS_MS, readRetry: DEFAULT_READ_RETRY }) + 1_000,
);

describe('two instances on one EventStoreDB log, one of them killed', () => {
  let emulator: EsdbEmulator | undefined;
  let cluster: Cluster | undefined;
  let report: ScaleOutReport;

  beforeAll(async () => {
    emulator = await startEsdbEmulator();
    cluster = await startCluster({ tag: 'se', instances: 2, store: emulator.connectionString });
    report = await runScaleOut(cluster, 'se', {
      leaseTtlMs: LEASE_TTL_MS,
      partitions: SAGA_PARTITIONS,
      kills: 1,
      restart: false,
      joinLatencyMs: 0,
      warmupMs: 4_000,
      afterTakeoverMs: 2_000,
      flowEveryMs: 350,
      maxInFlight: 6,
      waitProbes: 2,
      settleTimeoutMs: 30_000,
    });
    console.log(summarise('scale-out on EventStoreDB (emulator), 2 instances', report));
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await emulator?.stop();
  });

  it('drove payments, refunds and reversals, read on the other instance', () => {
    expect(report.payments).toBeGreaterThanOrEqual(30);
    expect(report.refunds).toBeGreaterThanOrEqual(2);
    expect(report.crossReadFailures).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it('settles every payment and refund where WeChat’s ledger has it', () => {
    expect(report.unsettled).toEqual([]);
    expect(report.mismatches).toEqual([]);
  });

  it('never pays twice, never drives one saga from two instances at once', () => {
    expect(report.callRecordProblem).toBeUndefined();
    expect(report.paidTwice).toEqual([]);
    expect(report.concurrent.map((c) => c.saga)).toEqual([]);
  });

  it('answers ?wait on the other instance when the payment settles', () => {
    expect(report.waitProbes).toHaveLength(2);
    for (const probe of report.waitProbes) {
      expect(probe.status).toBe('SUCCEEDED');
      expect(probe.waitedMs).toBeLessThan(Math.min(5_000, probe.timeoutMs / 4));
    }
  });

  it('takes over the killed instance’s sagas within the lease TTL plus 10 s', () => {
    const [kill] = report.kills;
    expect(kill?.partitionsLoggedMs ?? Infinity).toBeLessThanOrEqual(LEASE_TTL_MS + 10_000);
    expect(kill?.partitionsMs ?? Infinity).toBeLessThanOrEqual(LEASE_TTL_MS + 10_000);
    expect(kill?.sagas.sagas).toBeGreaterThan(0);
    expect(kill?.sagas.firstMs ?? Infinity).toBeLessThanOrEqual(LEASE_TTL_MS + 10_000);
  });

  it('replays the log clean', () => {
    expect(report.replay.output).toMatch(/0 problem\(s\)/);
    expect(report.replay.code).toBe(0);
  });
});
