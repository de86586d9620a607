import { DEFAULT_TIMEOUTS_MS, longestSagaCallMs } from '../../src/adapters/wechatpay/config';
import { DEFAULT_READ_RETRY } from '../../src/adapters/wechatpay/retry';
import { defaultLeaseTtlMs } from '../../src/application/saga-ownership';
import { SAGA_PARTITIONS } from '../../src/ports/saga-leases';
import { type Cluster, startCluster } from '../support/cluster';
import { type ScaleOutReport, runScaleOut, summarise } from '../support/cluster-workload';
import { startTestPostgres, type TestPostgres } from '../support/postgres';

/**
 * Three service processes on one PostgreSQL log, one sandbox process as WeChat, business time at
 * 25×. A round-robin driver pays (every sandbox scenario), refunds and reverses across the live
 * instances; two instances are killed with -9 while it drives, and a new one joins while WeChat
 * answers 1.5 s late, so that partitions move to it while steps are under way. Once everything
 * settles: the service agrees with WeChat's ledger, no order was paid twice, no saga was driven by
 * two instances at once or handed back to an instance it had left while that one lived, the log
 * replays clean, and the sagas of a killed instance were taken over within the lease TTL plus 10 s.
 *
 * Measured on 2 cores with the default TTL (19.6 s): about 240 payments, 36 refunds and 20 reversals
 * in 70 s; every partition held again 20.3–20.6 s after each kill, the first stranded saga driven
 * 19.6–20.6 s after it; ?wait on another instance answered 0.8–0.9 s after the request (payment
 * settled at WeChat after 0.8 s); 0 mismatches, 0 orders paid twice, replay clean. The summary line
 * it prints gives the figures of each run.
 */
jest.setTimeout(240_000);

/**
 * The lease TTL the service runs with: its default, sized from its WeChat client's longest saga call
 * (plus the 1 s margin the service adds to make a step's budget).
 */
const LEASE_TTL_MS = defaultLeaseTtlMs(
  longestSagaCallMs({ timeouts: DEFAULT_TIMEOUTS_MS, readRetry: DEFAULT_READ_RETRY }) + 1_000,
);

describe('three instances on one PostgreSQL log, two of them killed', () => {
  let server: TestPostgres | undefined;
  let cluster: Cluster | undefined;
  let report: ScaleOutReport;

  beforeAll(async () => {
    server = await startTestPostgres();
    const store = await server.createDatabase();
    cluster = await startCluster({ tag: 'so', instances: 3, store });
    report = await runScaleOut(cluster, 'so', {
      leaseTtlMs: LEASE_TTL_MS,
      partitions: SAGA_PARTITIONS,
      kills: 2,
      restart: true,
      joinLatencyMs: 1_500,
      warmupMs: 5_000,
      afterTakeoverMs: 2_000,
      flowEveryMs: 250,
      maxInFlight: 10,
      waitProbes: 3,
      settleTimeoutMs: 30_000,
    });
    console.log(summarise('scale-out on PostgreSQL, 3 instances', report));
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await server?.stop();
  });

  it('drove a real mix: payments, refunds and reversals, read on other instances', () => {
    expect(report.payments).toBeGreaterThanOrEqual(60);
    expect(report.refunds).toBeGreaterThanOrEqual(5);
    expect(report.reversals).toBeGreaterThanOrEqual(3);
    expect(report.crossReads).toBeGreaterThanOrEqual(report.payments);
    expect(report.crossReadFailures).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it('settles every payment and refund where WeChat’s ledger has it', () => {
    expect(report.unsettled).toEqual([]);
    expect(report.mismatches).toEqual([]);
  });

  it('keeps a call record that names the instances', () => {
    expect(report.callRecordProblem).toBeUndefined();
    expect(report.calls).toBeGreaterThan(report.payments);
  });

  it('never pays an order twice', () => {
    expect(report.paidTwice).toEqual([]);
  });

  it('never lets two instances drive one saga at once', () => {
    // A saga may come back to an instance without any overlap (it sent the pay, the owner drove
    // on, then the partition moved to it as the instances rebalanced): the report lists those as
    // hand-backs; what must never happen is two instances' calls for one saga at the same time.
    expect(report.concurrent.map((c) => c.saga)).toEqual([]);
  });

  it('answers ?wait on another instance when the payment settles, not at its timeout', () => {
    expect(report.waitProbes).toHaveLength(3);
    for (const probe of report.waitProbes) {
      expect(probe.status).toBe('SUCCEEDED');
      // Paid 20 s of business time (0.8 s) after the request; the timeout is 20 s of real time.
      expect(probe.waitedMs).toBeLessThan(Math.min(5_000, probe.timeoutMs / 4));
    }
  });

  it('takes over a killed instance’s sagas within the lease TTL plus 10 s', () => {
    expect(report.kills).toHaveLength(2);
    for (const kill of report.kills) {
      expect(kill.partitionsLoggedMs ?? Infinity).toBeLessThanOrEqual(LEASE_TTL_MS + 10_000);
      expect(kill.partitionsMs ?? Infinity).toBeLessThanOrEqual(LEASE_TTL_MS + 10_000);
      expect(kill.sagas.sagas).toBeGreaterThan(0);
      expect(kill.sagas.firstMs ?? Infinity).toBeLessThanOrEqual(LEASE_TTL_MS + 10_000);
    }
  });

  it('replays the shared log clean', () => {
    expect(report.replay.output).toMatch(/0 problem\(s\)/);
    expect(report.replay.code).toBe(0);
  });
});
