/**
 * Scale-out: immediate-success Quick Pay payments (`POST /v1/payments?wait=10`, answered once the
 * saga has settled them) through 1, 2 and 3 service instances sharing one PostgreSQL log, against
 * 1 instance on its own SQLite log (the baseline), in one run: the same workload, the same number
 * of payments in flight, the driver sending each payment to the next instance in turn.
 *
 * Every row starts afresh: a sandbox process, a new database on one local PostgreSQL server (fsync
 * on, as the SQLite log's fsync is), the instances (`wpg start`, run from the sources through tsx,
 * as the e2e specs run them), a warm-up, then the measured payments. Every payment must come back
 * SUCCEEDED or the bench fails; when the sandbox keeps a call record, it also counts orders paid more
 * than once (there must be none).
 *
 * BENCH_SCALE_PAYMENTS, BENCH_SCALE_CONCURRENCY override the sizes; WPG_TEST_POSTGRES_URL, as for the
 * tests, uses that server (its user must be allowed to CREATE DATABASE) instead of a local one.
 *
 *   npm run bench -- scale
 */
import { availableParallelism, loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import { paidMoreThanOnce } from '../test/support/cluster-checks';
import { type Cluster, type Instance, paymentBody, startCluster } from '../test/support/cluster';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres';
import { type LoadRun, perSecond, percentile, runClosedLoop } from './_e2e-load';
import { cpuMsOf } from './_e2e-processes';
import { envInt } from './_env';

const PAYMENTS = envInt('BENCH_SCALE_PAYMENTS', 600);
const CONCURRENCY = envInt('BENCH_SCALE_CONCURRENCY', 16);
const WARMUP = Math.min(100, PAYMENTS);
const DEADLINE_MS = 180_000;
/** Far above anything this machine reaches: the bench measures the service, not the §10 limits. */
const UNLIMITED = 1_000_000;

interface Row {
  readonly label: string;
  readonly instances: number;
  readonly postgres: boolean;
}

const ROWS: readonly Row[] = [
  { label: '1 instance, SQLite (baseline)', instances: 1, postgres: false },
  { label: '1 instance, PostgreSQL', instances: 1, postgres: true },
  { label: '2 instances, one PostgreSQL log', instances: 2, postgres: true },
  { label: '3 instances, one PostgreSQL log', instances: 3, postgres: true },
];

interface Measured {
  readonly row: Row;
  readonly run: LoadRun;
  /** Orders paid more than once, from the sandbox's call record; undefined when it keeps none. */
  readonly paidTwice?: number;
  /** CPU (user + system) the service instances spent, all together, per measured payment. */
  readonly serviceCpuMsPerPayment: number;
}

const RUN = Date.now().toString(36).slice(-5);
let issued = 0;
/** A fresh out_trade_no and a fresh immediate-success auth code (`13 00 …`, docs/sandbox.md). */
const nextPayment = (row: number): { no: string; code: string } => {
  issued += 1;
  return { no: `bs${row}-${RUN}-${issued}`, code: `1300${String(issued).padStart(14, '0')}` };
};

const payOnce = async (cluster: Cluster, via: Instance, row: number): Promise<void> => {
  const { no, code } = nextPayment(row);
  const r = await cluster.request('POST', '/v1/payments?wait=10', paymentBody(no, code), { via });
  if (r.status !== 200 || r.body['status'] !== 'SUCCEEDED')
    throw new Error(`${r.instance.id} answered ${r.status} ${JSON.stringify(r.body)} for ${no}`);
};

const measure = async (row: Row, index: number, server: () => Promise<TestPostgres>): Promise<Measured> => {
  const store = row.postgres ? await (await server()).createDatabase() : undefined;
  const cluster = await startCluster({
    tag: `bench-scale-${index}-${randomBytes(2).toString('hex')}`,
    instances: row.instances,
    ...(store === undefined ? {} : { store }),
    scale: 1,
    logLevel: 'warn',
    rateLimits: { pay: UNLIMITED, reverse: UNLIMITED, refund: UNLIMITED, query: UNLIMITED },
  });
  try {
    let turn = 0;
    // Round robin over the instances, each payment to the next one, as a load balancer would.
    const call = (): Promise<void> => {
      const live = cluster.live();
      turn += 1;
      return payOnce(cluster, live[turn % live.length] as Instance, index);
    };
    await runClosedLoop(WARMUP, CONCURRENCY, DEADLINE_MS, call);
    const serviceCpuMs = (): number =>
      cluster.live().reduce((sum, i) => {
        const cpu = cpuMsOf(i.proc.child.pid ?? -1);
        return sum + cpu.user + cpu.system;
      }, 0);
    const cpuBefore = serviceCpuMs();
    const run = await runClosedLoop(PAYMENTS, CONCURRENCY, DEADLINE_MS, call);
    const serviceCpuMsPerPayment = (serviceCpuMs() - cpuBefore) / PAYMENTS;
    const calls = await cluster.sandbox.calls().catch(() => undefined);
    return {
      row,
      run,
      serviceCpuMsPerPayment,
      ...(calls === undefined ? {} : { paidTwice: paidMoreThanOnce(calls).length }),
    };
  } finally {
    await cluster.stop();
    if (store !== undefined) await (await server()).dropDatabase(store);
  }
};

const fmt = (n: number, digits = 1): string => n.toFixed(digits);
const cell = (text: string, width: number, left = false): string =>
  left ? text.padEnd(width) : text.padStart(width);

export async function run(): Promise<void> {
  const external = process.env['WPG_TEST_POSTGRES_URL'];
  let local: TestPostgres | undefined;
  const server = async (): Promise<TestPostgres> => (local ??= await startTestPostgres({ durable: true }));
  const results: Measured[] = [];
  try {
    console.log(
      `${availableParallelism()} cores, load average ${loadavg()
        .map((l) => fmt(l, 2))
        .join(' ')} at start; ${CONCURRENCY} payments in flight, ${WARMUP} warm-up then ${PAYMENTS} ` +
        `measured payments per row; PostgreSQL: ${external === undefined || external === '' ? 'a local server started for the run (fsync on)' : 'WPG_TEST_POSTGRES_URL'}`,
    );
    for (const [index, row] of ROWS.entries()) results.push(await measure(row, index, server));
  } finally {
    await local?.stop();
  }

  const [baseline] = results;
  if (baseline === undefined) return;
  const rate = (m: Measured): number => perSecond(m.run);
  const p99 = (m: Measured): number => percentile(m.run.latenciesMs, 99);
  const widths = [34, 11, 10, 8, 8, 10, 14, 11] as const;
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => cell(c, widths[i] ?? 8, i === 0)).join(' | ')} |`;
  console.log(
    [
      '',
      line([
        'instances and store',
        'payments/s',
        '× SQLite',
        'p50 ms',
        'p99 ms',
        'p99 × SQL.',
        'service CPU ms',
        'paid twice',
      ]),
      line(widths.map((w) => '-'.repeat(w))),
      ...results.map((m) =>
        line([
          m.row.label,
          fmt(rate(m)),
          `${fmt(rate(m) / rate(baseline), 2)}×`,
          fmt(percentile(m.run.latenciesMs, 50)),
          fmt(p99(m)),
          `${fmt(p99(m) / p99(baseline), 2)}×`,
          fmt(m.serviceCpuMsPerPayment, 2),
          m.paidTwice === undefined ? 'n/a' : String(m.paidTwice),
        ]),
      ),
      '',
      'service CPU ms: user + system CPU of all the service instances together, per measured payment ' +
        '(from /proc; the sandbox, PostgreSQL and this driver not included).',
      '',
      `What ${availableParallelism()} cores can show: every instance, the PostgreSQL server, the sandbox and this ` +
        'driver share the same cores, so a second or third instance adds no CPU, only more processes ' +
        'competing for it. More instances cannot show more throughput here; the rows show what sharing ' +
        'one log and coordinating saga ownership costs per payment, and that every payment still ' +
        'settles once and only once. Throughput that grows with instances needs the instances on ' +
        'machines (or cores) of their own.',
    ].join('\n'),
  );
}
