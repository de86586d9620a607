/**
 * End to end: immediate-success Quick Pay payments per second through the running service (merchant
 * API → saga → signed call to the sandbox → events in the embedded SQLite store → final answer via
 * `?wait`), against the bare peer measured in the same run: the same payments made directly by
 * wechatpay-axios-plugin (sign, send, verify; no event sourcing, no store).
 *
 * The sandbox and the service are separate processes started with `wpg`. Two reference relays
 * (`_e2e-relay.ts`) have the service's topology and none of its work: the thinnest HTTP server in
 * its own process, paying through wechatpay-axios-plugin or through this package's client. They show
 * what the extra process hop costs by itself, apart from what the service does. Every path runs at
 * the same concurrency, warms up first, then takes turns in rounds so all see the same machine load;
 * every payment must come back final and successful or the bench fails.
 *
 * The compiled build is measured (it is built first); BENCH_E2E_SOURCE=1 runs the sources through tsx.
 * BENCH_E2E_PAYMENTS, BENCH_E2E_CONCURRENCY override the sizes; BENCH_E2E_CPU_PROF=<dir> runs the
 * service with `--cpu-prof` into that directory. The service's SQLite file lives under the system
 * temporary directory, so TMPDIR chooses its filesystem (a tmpfs one takes the fsync cost out, which
 * shows how much of the gap is durability rather than code).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nextPayment, peerClient, readCredentials, serviceClient, type PayClient } from './_e2e-clients';
import { perSecond, percentile, pool, runClosedLoop, type LoadRun } from './_e2e-load';
import {
  buildCli,
  cpuMsOf,
  filesystemOf,
  freePort,
  peakRssMiBOf,
  startCli,
  startRelay,
  type Managed,
} from './_e2e-processes';
import { envInt } from './_env';

const PAYMENTS = envInt('BENCH_E2E_PAYMENTS', 2_000);
const CONCURRENCY = envInt('BENCH_E2E_CONCURRENCY', 16);
const ROUNDS = 4;
const WARMUP = Math.min(500, PAYMENTS);
const ROUND_DEADLINE_MS = 120_000;
const MCC = '5812';
/** Far above anything this machine reaches: the bench measures the code, not the §10 limits. */
const UNLIMITED = 1_000_000;

/** One path measured: its payments, and the CPU each process spent while they ran. */
interface Side {
  readonly label: string;
  /** Its column in the CPU table. */
  readonly column: string;
  /** Prefix of its out_trade_no values. */
  readonly kind: string;
  readonly client: PayClient;
  readonly runs: LoadRun[];
  /** CPU ms spent, per process label, while this side's payments ran. */
  readonly cpuMs: Record<string, number>;
}

const raiseRateLimits = async (baseUrl: string): Promise<void> => {
  const limits = { pay: UNLIMITED, reverse: UNLIMITED, refund: UNLIMITED, query: UNLIMITED };
  const res = await fetch(`${baseUrl}/sandbox/rate-limits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(limits),
  });
  if (!res.ok) throw new Error(`raising the sandbox rate limits: ${res.status} ${await res.text()}`);
};

const waitReady = async (url: string, deadlineMs: number): Promise<void> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > until) throw new Error(`${url}/readyz still ${status} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

export async function run(): Promise<void> {
  const code = buildCli();
  const work = mkdtempSync(join(tmpdir(), 'wpg-bench-e2e-'));
  const started: Managed[] = [];
  const clients: PayClient[] = [];
  try {
    const sandboxStart = await startCli(
      'sandbox',
      ['sandbox', '--port', '0', '--state-dir', join(work, 'sandbox')],
      {
        ready: /listening on (http:\/\/\S+)\s+credentials: (\S+)/,
      },
    );
    const sandbox = sandboxStart.process;
    started.push(sandbox);
    const credentials = readCredentials(sandboxStart.match[2] ?? '');
    await raiseRateLimits(credentials.baseUrl);

    const port = await freePort();
    const token = randomBytes(24).toString('hex');
    const profileDir = process.env['BENCH_E2E_CPU_PROF'];
    const serviceStart = await startCli('service', ['start'], {
      nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [],
      ready: /merchant API\s+(http:\/\/\S+)\/v1/,
      env: {
        WPG_SANDBOX: 'off',
        WPG_WECHATPAY_BASE_URL: credentials.baseUrl,
        WPG_SP_MCHID: credentials.spMchid,
        WPG_SP_APPID: credentials.spAppid,
        WPG_MERCHANT_SERIAL: credentials.merchantSerial,
        WPG_MERCHANT_PRIVATE_KEY: credentials.merchantPrivateKeyPath,
        WPG_APIV3_KEY: credentials.apiV3KeyPath,
        WPG_PLATFORM_CERTIFICATE: credentials.platformCertificatePath,
        WPG_MERCHANT_CATEGORY_CODE: MCC,
        WPG_NOTIFY_URL: `http://127.0.0.1:${port}/notifications/wechatpay`,
        WPG_PORT: String(port),
        WPG_DATA_DIR: join(work, 'service'),
        WPG_API_TOKEN: token,
        WPG_LOG_LEVEL: 'warn',
      },
    });
    const service = serviceStart.process;
    started.push(service);
    const serviceUrl = serviceStart.match[1] ?? '';
    await waitReady(serviceUrl, 30_000);

    // The reference relays: the service's topology (driver → one more process → sandbox), none of its work.
    const startRelayPaying = async (mode: 'peer' | 'client') => {
      const relay = await startRelay(
        `relay-${mode}`,
        [mode, sandboxStart.match[2] ?? '', MCC, String(CONCURRENCY)],
        {
          ready: /relay listening on (http:\/\/\S+)/,
        },
      );
      started.push(relay.process);
      return { pid: relay.process.pid, client: serviceClient(relay.match[1] ?? '', token, CONCURRENCY) };
    };
    const relayPeer = await startRelayPaying('peer');
    const relayClient = await startRelayPaying('client');

    const path = (label: string, column: string, kind: string, client: PayClient): Side => ({
      label,
      column,
      kind,
      client,
      runs: [],
      cpuMs: {},
    });
    const sides: readonly Side[] = [
      path(
        'service (API → saga → sandbox, SQLite events)',
        'service side',
        'svc',
        serviceClient(serviceUrl, token, CONCURRENCY),
      ),
      path(
        'bare peer (wechatpay-axios-plugin → sandbox)',
        'peer side',
        'peer',
        peerClient(credentials, MCC, CONCURRENCY),
      ),
      path(
        'reference: thinnest relay + wechatpay-axios-plugin → sandbox',
        'relay + peer',
        'rpeer',
        relayPeer.client,
      ),
      path(
        "reference: thinnest relay + this package's client → sandbox",
        'relay + client',
        'rcli',
        relayClient.client,
      ),
    ];
    clients.push(...sides.map((s) => s.client));
    const processes = [
      { label: 'bench: load driver / the peer client', pid: process.pid },
      { label: 'service', pid: service.pid },
      { label: 'sandbox', pid: sandbox.pid },
      { label: 'relay (+ peer)', pid: relayPeer.pid },
      { label: 'relay (+ client)', pid: relayClient.pid },
    ];

    const cpuNow = (): Record<string, number> => {
      const now: Record<string, number> = {};
      for (const { label, pid } of processes) {
        const own = process.cpuUsage();
        const cpu = pid === process.pid ? { user: own.user / 1000, system: own.system / 1000 } : cpuMsOf(pid);
        now[`${label}.user`] = cpu.user;
        now[`${label}.system`] = cpu.system;
      }
      return now;
    };
    const round = async (side: Side, count: number, record: boolean): Promise<void> => {
      const before = cpuNow();
      const result = await runClosedLoop(count, CONCURRENCY, ROUND_DEADLINE_MS, () =>
        side.client.pay(nextPayment(side.kind)),
      );
      if (!record) return;
      const after = cpuNow();
      side.runs.push(result);
      for (const label of Object.keys(after)) {
        side.cpuMs[label] = (side.cpuMs[label] ?? 0) + (after[label] ?? 0) - (before[label] ?? 0);
      }
    };

    console.log(
      `${cpus().length} cores, load average ${loadavg()
        .map((l) => fmt(l, 2))
        .join(' ')} at start; ` +
        `${CONCURRENCY} payments in flight; ${WARMUP} warm-up payments per path, then ` +
        `${PAYMENTS} per path in ${ROUNDS} rounds, each in a different order`,
    );
    for (const side of sides) await round(side, WARMUP, false);
    const perRound = Math.ceil(PAYMENTS / ROUNDS);
    for (let r = 0; r < ROUNDS; r += 1) {
      const count = Math.min(perRound, PAYMENTS - r * perRound);
      if (count <= 0) break;
      // Rotated, and reversed every other round, so no path always runs first or after the same one.
      const rotated = [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)];
      for (const side of r % 2 === 0 ? rotated : rotated.reverse()) await round(side, count, true);
    }

    printReport({
      sides,
      processes,
      peakRss: peakRssMiBOf(service.pid),
      sandboxPeakRss: peakRssMiBOf(sandbox.pid),
      storeFilesystem: filesystemOf(work),
      code,
    });
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(started.reverse().map((p) => p.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

const printReport = (r: {
  sides: readonly Side[];
  processes: readonly { label: string; pid: number }[];
  peakRss: number;
  sandboxPeakRss: number;
  storeFilesystem: string;
  code: string;
}): void => {
  const [service, peer] = r.sides as [Side, Side];
  const rate = (side: Side): number => perSecond(pool(side.runs));
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const perPayment = (side: Side, label: string): string => {
    const count = pool(side.runs).count;
    const user = (side.cpuMs[`${label}.user`] ?? 0) / count;
    const system = (side.cpuMs[`${label}.system`] ?? 0) / count;
    return `${fmt(user + system, 2)} (sys ${fmt(system, 2)})`;
  };
  const cores = cpus().length;
  // What a path could reach with every core busy on it: the bound no code outside its processes can lift.
  const ceiling = (side: Side): number => {
    const msPerPayment =
      Object.values(side.cpuMs).reduce((sum, ms) => sum + ms, 0) / Math.max(1, pool(side.runs).count);
    return msPerPayment > 0 ? (cores * 1000) / msPerPayment : Number.POSITIVE_INFINITY;
  };
  const totalMs = (side: Side): string => fmt((cores * 1000) / ceiling(side), 2);
  console.log(
    [
      '',
      row(['path', 'payments', 'payments/s', '× bare peer', 'p50 ms', 'p99 ms']),
      row(['---', '---:', '---:', '---:', '---:', '---:']),
      ...r.sides.map((side) => {
        const all = pool(side.runs);
        return row([
          side.label,
          String(all.count),
          fmt(perSecond(all)),
          fmt(rate(side) / rate(peer), 2),
          fmt(percentile(all.latenciesMs, 50), 2),
          fmt(percentile(all.latenciesMs, 99), 2),
        ]);
      }),
      '',
      `ratio service/peer: ${fmt(rate(service) / rate(peer), 2)}× payments/s (target ≥ 1.00×)`,
      `service peak RSS (VmHWM): ${fmt(r.peakRss)} MiB (sandbox: ${fmt(r.sandboxPeakRss)} MiB)`,
      '',
      'CPU ms per payment (of which kernel), by process, while each path ran:',
      row(['process', ...r.sides.map((s) => s.column)]),
      row(['---', ...r.sides.map(() => '---:')]),
      ...r.processes.map(({ label, pid }) =>
        row([`${label} (pid ${pid})`, ...r.sides.map((side) => perPayment(side, label))]),
      ),
      row(['all processes', ...r.sides.map(totalMs)]),
      row([`ceiling: payments/s with all ${cores} cores busy`, ...r.sides.map((s) => fmt(ceiling(s)))]),
      '',
      `The service's ceiling is ${fmt(ceiling(service) / rate(peer), 2)}× the bare peer's measured rate: ` +
        'above 1.00× the gap is in how the work is spread over the cores, below it in the CPU the work takes.',
      '',
      "Where things run: the processes share the machine's cores with no pinning: this bench process " +
        '(drives the service or a relay over loopback HTTP, or is itself the peer client), the service ' +
        `(\`wpg start\`, SQLite in a temporary directory on ${r.storeFilesystem}), ` +
        'the sandbox (`wpg sandbox`, in memory) and the two relays, all run from ' +
        `${r.code}. The service side pays for one more process hop than the bare peer; the relays ` +
        'pay for the same hop with nothing else (bench/_e2e-relay.ts), so they show what the hop alone costs.',
    ].join('\n'),
  );
};
