/**
 * End to end: immediate-success Quick Pay payments per second through the running service (merchant
 * API → saga → signed call to the sandbox → events in the embedded SQLite store → final answer via
 * `?wait`), against the bare peer measured in the same run: the same payments made directly by
 * wechatpay-axios-plugin (sign, send, verify; no event sourcing, no store).
 *
 * The sandbox and the service are separate processes started with `wpg`. Both sides run at the same
 * concurrency, warm up first, then alternate in rounds so both see the same machine load; every
 * payment must come back final and successful or the bench fails.
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

interface Side {
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

    const viaService = serviceClient(serviceUrl, token, CONCURRENCY);
    const peer = peerClient(credentials, MCC, CONCURRENCY);
    clients.push(viaService, peer);
    const sides = {
      service: { client: viaService, kind: 'svc', side: { runs: [], cpuMs: {} } as Side },
      peer: { client: peer, kind: 'peer', side: { runs: [], cpuMs: {} } as Side },
    } as const;

    const cpuNow = (): Record<string, number> => {
      const own = process.cpuUsage();
      const of = (label: string, cpu: { user: number; system: number }) => ({
        [`${label}.user`]: cpu.user,
        [`${label}.system`]: cpu.system,
      });
      return {
        ...of('bench', { user: own.user / 1000, system: own.system / 1000 }),
        ...of('service', cpuMsOf(service.pid)),
        ...of('sandbox', cpuMsOf(sandbox.pid)),
      };
    };
    const round = async (name: keyof typeof sides, count: number, record: boolean): Promise<void> => {
      const { client, kind, side } = sides[name];
      const before = cpuNow();
      const result = await runClosedLoop(count, CONCURRENCY, ROUND_DEADLINE_MS, () =>
        client.pay(nextPayment(kind)),
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
        `${CONCURRENCY} payments in flight; ${WARMUP} warm-up payments per side, then ` +
        `${PAYMENTS} per side in ${ROUNDS} alternating rounds`,
    );
    await round('service', WARMUP, false);
    await round('peer', WARMUP, false);
    const perRound = Math.ceil(PAYMENTS / ROUNDS);
    for (let r = 0; r < ROUNDS; r += 1) {
      const count = Math.min(perRound, PAYMENTS - r * perRound);
      if (count <= 0) break;
      const order: (keyof typeof sides)[] = r % 2 === 0 ? ['service', 'peer'] : ['peer', 'service'];
      for (const name of order) await round(name, count, true);
    }
    const peakRss = peakRssMiBOf(service.pid);
    const sandboxPeakRss = peakRssMiBOf(sandbox.pid);

    printReport({
      service: sides.service.side,
      peer: sides.peer.side,
      peakRss,
      sandboxPeakRss,
      pids: { bench: process.pid, service: service.pid, sandbox: sandbox.pid },
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
  service: Side;
  peer: Side;
  peakRss: number;
  sandboxPeakRss: number;
  pids: Record<string, number>;
  storeFilesystem: string;
  code: string;
}): void => {
  const svc = pool(r.service.runs);
  const peer = pool(r.peer.runs);
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const perPayment = (side: Side, label: string, count: number): string => {
    const user = (side.cpuMs[`${label}.user`] ?? 0) / count;
    const system = (side.cpuMs[`${label}.system`] ?? 0) / count;
    return `${fmt(user + system, 2)} (sys ${fmt(system, 2)})`;
  };
  console.log(
    [
      '',
      row(['path', 'payments', 'payments/s', 'p50 ms', 'p99 ms']),
      row(['---', '---:', '---:', '---:', '---:']),
      row([
        'service (API → saga → sandbox, SQLite events)',
        String(svc.count),
        fmt(perSecond(svc)),
        fmt(percentile(svc.latenciesMs, 50), 2),
        fmt(percentile(svc.latenciesMs, 99), 2),
      ]),
      row([
        'bare peer (wechatpay-axios-plugin → sandbox)',
        String(peer.count),
        fmt(perSecond(peer)),
        fmt(percentile(peer.latenciesMs, 50), 2),
        fmt(percentile(peer.latenciesMs, 99), 2),
      ]),
      '',
      `ratio service/peer: ${fmt(perSecond(svc) / perSecond(peer), 2)}× payments/s (target ≥ 1.00×)`,
      `service peak RSS (VmHWM): ${fmt(r.peakRss)} MiB (sandbox: ${fmt(r.sandboxPeakRss)} MiB)`,
      '',
      'CPU ms per payment (of which kernel), by process, while each side ran:',
      row(['process', 'service side', 'peer side']),
      row(['---', '---:', '---:']),
      row([
        `bench (pid ${r.pids['bench']}): load driver / the peer client`,
        perPayment(r.service, 'bench', svc.count),
        perPayment(r.peer, 'bench', peer.count),
      ]),
      row([
        `service (pid ${r.pids['service']})`,
        perPayment(r.service, 'service', svc.count),
        perPayment(r.peer, 'service', peer.count),
      ]),
      row([
        `sandbox (pid ${r.pids['sandbox']})`,
        perPayment(r.service, 'sandbox', svc.count),
        perPayment(r.peer, 'sandbox', peer.count),
      ]),
      '',
      "Where things run: three Node processes share the machine's cores with no pinning: this bench " +
        'process (drives the service over loopback HTTP, or is itself the peer client), the service ' +
        `(\`wpg start\`, SQLite in a temporary directory on ${r.storeFilesystem}) ` +
        `and the sandbox (\`wpg sandbox\`, in memory), both run from ${r.code}. ` +
        'The service side therefore pays for one more process hop than the peer side.',
    ].join('\n'),
  );
};
