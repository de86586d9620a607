import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxCall, SandboxOrder, SandboxRefund } from './cluster-checks';
import {
  type Proc,
  type SandboxCredentialsFile,
  freePort,
  readCredentials,
  runWpg,
  serviceEnv,
  waitForOutput,
  wpg,
} from './processes';
import { SUB, TOKEN } from './service-e2e';

/**
 * Several real service processes (`wpg start`) on one event store, a separate sandbox process
 * playing WeChat, and what a test or a bench needs around them: a driver that sends each request to
 * the next live instance (and to another one when an instance dies under it), kill -9, a restart,
 * the sandbox's records, and each instance's saga partitions from /metrics.
 *
 * Plain functions, no test framework: the scale-out e2e specs and `npm run bench -- scale` share it.
 * Business time runs `scale` times faster in every process, all on the sandbox's clock (each
 * instance's time anchor is the sandbox's start), as it would on one real clock in production.
 * WeChat's refund notifications go to a relay in this process that hands each one to a live
 * instance, as a load balancer in front of the instances would.
 */

export { SUB, TOKEN };

export interface ClusterOptions {
  /** Names the temp directory and the instances (`<tag>-1` …). */
  readonly tag: string;
  readonly instances: number;
  /** WPG_EVENT_STORE of every instance; undefined: each its own SQLite file (one instance only). */
  readonly store?: string;
  /** Business time factor in the sandbox and the instances; default 25, as the other e2e specs. */
  readonly scale?: number;
  /** More settings for every instance (WPG_LEASE_TTL_MS, …). */
  readonly env?: Readonly<Record<string, string>>;
  /** WPG_LOG_LEVEL of the instances; default info (ownership changes are logged at info). */
  readonly logLevel?: string;
  /** Requests per second the sandbox allows, per class (`POST /sandbox/rate-limits`). */
  readonly rateLimits?: Readonly<Record<string, number>>;
}

export interface Instance {
  readonly id: string;
  readonly url: string;
  readonly dataDir: string;
  readonly proc: Proc;
  readonly startedAt: number;
  readonly isAlive: () => boolean;
  /** When it was killed (real ms), if it was. */
  readonly killedAt: () => number | undefined;
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The instance that answered. */
  readonly instance: Instance;
  readonly ms: number;
}

export interface RequestOptions {
  /** Send it to this instance while it lives; otherwise to the next live one. */
  readonly via?: Instance;
  /** Prefer any live instance but this one (the one that took the payment, say). */
  readonly avoid?: string | undefined;
  readonly timeoutMs?: number;
}

export interface Cluster {
  readonly dir: string;
  readonly scale: number;
  readonly credentials: SandboxCredentialsFile;
  /** Every instance ever started, in start order, the dead ones included. */
  readonly instances: () => readonly Instance[];
  readonly live: () => readonly Instance[];
  /** Starts one more instance, with this id (a restarted process is a new owner: give it a new id). */
  readonly startInstance: (id: string) => Promise<Instance>;
  /** kill -9; resolves with the moment (real ms) the signal was sent, once the process is gone. */
  readonly kill: (instance: Instance) => Promise<number>;
  /** SIGTERM, and waits for the exit. */
  readonly stopInstance: (instance: Instance) => Promise<void>;
  /** One merchant API request through the driver: the next live instance, round robin. */
  readonly request: (
    method: string,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ) => Promise<Answer>;
  readonly sandbox: {
    readonly calls: (query?: Readonly<Record<string, string>>) => Promise<readonly SandboxCall[]>;
    readonly orders: () => Promise<readonly SandboxOrder[]>;
    readonly refunds: () => Promise<readonly SandboxRefund[]>;
    /** `POST /sandbox/faults`: e.g. `{ latencyMs }`, real ms before every API answer. */
    readonly faults: (faults: Readonly<Record<string, number>>) => Promise<void>;
  };
  /** The `wpg_saga_partitions_held` an instance reports on /metrics, undefined if it reports none. */
  readonly partitionsHeld: (instance: Instance) => Promise<number | undefined>;
  /**
   * Polls the live instances' /metrics until together they hold `total` partitions; resolves with
   * that moment (real ms), or undefined if it has not come by `deadline`.
   */
  readonly whenLiveHold: (total: number, deadline: number) => Promise<number | undefined>;
  /**
   * From the instances' logs ('saga partitions changed' lines, with the count each holds): the first
   * moment at or after `since` when these instances together held `total` partitions, if they did.
   */
  readonly heldFromLogs: (instances: readonly Instance[], total: number, since: number) => number | undefined;
  /** `wpg replay --verify` on the shared store. */
  readonly replayVerify: () => Promise<{ readonly code: number | null; readonly output: string }>;
  readonly stop: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const isTimeout = (e: unknown): boolean => e instanceof Error && e.name === 'TimeoutError';

const getJson = async <A>(url: string): Promise<A> => {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as A;
};

/** Drops the hop-by-hop headers of a request before it is forwarded. */
const forwardable = (req: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name))
      continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
};

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });

export const startCluster = async (options: ClusterOptions): Promise<Cluster> => {
  const dir = mkdtempSync(join(tmpdir(), `wpg-${options.tag}-`));
  const scale = options.scale ?? 25;
  const all: Instance[] = [];
  const dead = new Map<string, number>();
  let sandbox: Proc | undefined;
  let relay: Server | undefined;
  let turn = 0;

  /** Instances taking requests: started (ready) and not dead. */
  const ready = new Set<string>();
  const live = (): Instance[] => all.filter((i) => ready.has(i.id) && i.isAlive());
  /** The next live instance, round robin, other than `avoid` when another one lives. */
  const next = (avoid?: string): Instance => {
    const candidates = live();
    if (candidates.length === 0) throw new Error('no live instance');
    const others = candidates.filter((i) => i.id !== avoid);
    const pool = others.length > 0 ? others : candidates;
    turn += 1;
    return pool[turn % pool.length] as Instance;
  };
  const markDeadIfExited = (instance: Instance): void => {
    const { child } = instance.proc;
    if ((child.exitCode !== null || child.signalCode !== null) && !dead.has(instance.id))
      dead.set(instance.id, Date.now());
  };

  const stopProc = async (p: Proc, signal: NodeJS.Signals): Promise<void> => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await p.exited;
    clearTimeout(timer);
  };

  const stop = async (): Promise<void> => {
    await Promise.all(all.map((i) => stopProc(i.proc, 'SIGTERM')));
    if (sandbox !== undefined) await stopProc(sandbox, 'SIGTERM');
    await new Promise<void>((r) => (relay === undefined ? r() : relay.close(() => r())));
    relay?.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const sandboxPort = await freePort();
    const sandboxProc = wpg([
      'sandbox',
      '--port',
      String(sandboxPort),
      '--state-dir',
      join(dir, 'sandbox'),
      '--time-scale',
      String(scale),
    ]);
    sandbox = sandboxProc;
    const [, file = ''] = await waitForOutput(sandboxProc, /credentials: (\S+)/);
    const credentials = readCredentials(file);
    const base = credentials.baseUrl;
    if (options.rateLimits !== undefined) {
      const res = await fetch(`${base}/sandbox/rate-limits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.rateLimits),
      });
      if (!res.ok) throw new Error(`sandbox rate limits: ${res.status} ${await res.text()}`);
    }
    // The sandbox's business clock started at its start, S: now = S + (wallNow - S) × scale.
    const time = await getJson<{ now: number; wallNow: number }>(`${base}/sandbox/time`);
    const anchor = scale === 1 ? time.wallNow : Math.round((scale * time.wallNow - time.now) / (scale - 1));

    // WeChat's notifications, handed to a live instance as a load balancer would.
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        void (async () => {
          for (let attempt = 0; attempt < 3; attempt += 1) {
            let target: Instance;
            try {
              target = next();
            } catch {
              break;
            }
            try {
              const answer = await fetch(`${target.url}${req.url ?? '/'}`, {
                method: req.method ?? 'POST',
                headers: forwardable(req),
                body,
                signal: AbortSignal.timeout(5_000),
              });
              res.writeHead(answer.status, {
                'content-type': answer.headers.get('content-type') ?? 'text/plain',
              });
              res.end(Buffer.from(await answer.arrayBuffer()));
              return;
            } catch {
              markDeadIfExited(target);
            }
          }
          res.writeHead(503).end();
        })();
      });
    });
    const relayPort = await listen(relay);
    const notifyUrl = `http://127.0.0.1:${relayPort}/notifications/wechatpay`;

    const startInstance = async (id: string): Promise<Instance> => {
      if (all.some((i) => i.id === id)) throw new Error(`instance ${id} was started before: use a new id`);
      const port = await freePort();
      const dataDir = join(dir, id);
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'time-anchor'), `${anchor}\n`);
      const env = {
        ...serviceEnv(credentials, port, dataDir, TOKEN, scale),
        WPG_NOTIFY_URL: notifyUrl,
        WPG_INSTANCE_ID: id,
        WPG_LOG_LEVEL: options.logLevel ?? 'info',
        ...(options.store === undefined ? {} : { WPG_EVENT_STORE: options.store }),
        ...options.env,
      };
      const proc = wpg(['start'], env);
      const instance: Instance = {
        id,
        url: `http://127.0.0.1:${port}`,
        dataDir,
        proc,
        startedAt: Date.now(),
        isAlive: () => !dead.has(id),
        killedAt: () => dead.get(id),
      };
      all.push(instance);
      try {
        await waitForOutput(proc, /is running/, 60_000);
        ready.add(id);
      } catch (e) {
        dead.set(id, Date.now());
        throw e;
      }
      return instance;
    };

    await Promise.all(
      Array.from({ length: options.instances }, (_, i) => startInstance(`${options.tag}-${i + 1}`)),
    );

    const request: Cluster['request'] = async (method, path, body, requestOptions = {}) => {
      let lastError: unknown;
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const via = requestOptions.via;
        const instance =
          attempt === 0 && via !== undefined && via.isAlive() ? via : next(requestOptions.avoid);
        const started = performance.now();
        try {
          const res = await fetch(`${instance.url}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${TOKEN}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: AbortSignal.timeout(requestOptions.timeoutMs ?? 75_000),
          });
          const text = await res.text();
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = { text };
          }
          return { status: res.status, body: parsed, instance, ms: performance.now() - started };
        } catch (e) {
          if (isTimeout(e)) throw new Error(`${method} ${path} on ${instance.id}: no answer in time`);
          // The connection failed: the instance died under the request. The same request, with the
          // same numbers, goes to another one (every merchant command is idempotent).
          lastError = e;
          await sleep(50);
          markDeadIfExited(instance);
        }
      }
      throw new Error(`${method} ${path}: no live instance answered (${String(lastError)})`);
    };

    const partitionsHeld = async (instance: Instance): Promise<number | undefined> => {
      const res = await fetch(`${instance.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
      const text = await res.text();
      const values = [...text.matchAll(/^wpg_saga_partitions_held(?:\{[^}]*\})? ([0-9.e+-]+)$/gm)];
      return values.length === 0 ? undefined : values.reduce((sum, m) => sum + Number(m[1]), 0);
    };

    const calls: Cluster['sandbox']['calls'] = async (query = {}) => {
      const qs = new URLSearchParams(query).toString();
      const res = await fetch(`${base}/sandbox/calls${qs === '' ? '' : `?${qs}`}`);
      if (res.status === 404)
        throw new Error('the sandbox keeps no call record (GET /sandbox/calls answered 404)');
      if (!res.ok) throw new Error(`GET /sandbox/calls: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { calls: SandboxCall[] }).calls;
    };

    return {
      dir,
      scale,
      heldFromLogs: (instances, total, since) => heldFromLogs(instances, total, since),
      credentials,
      instances: () => [...all],
      live,
      startInstance,
      kill: async (instance) => {
        const killedAt = Date.now();
        dead.set(instance.id, killedAt);
        instance.proc.child.kill('SIGKILL');
        await instance.proc.exited;
        return killedAt;
      },
      stopInstance: async (instance) => {
        if (!dead.has(instance.id)) dead.set(instance.id, Date.now());
        await stopProc(instance.proc, 'SIGTERM');
      },
      request,
      sandbox: {
        calls,
        orders: async () => (await getJson<{ orders: SandboxOrder[] }>(`${base}/sandbox/orders`)).orders,
        refunds: async () => (await getJson<{ refunds: SandboxRefund[] }>(`${base}/sandbox/refunds`)).refunds,
        faults: async (faults) => {
          const res = await fetch(`${base}/sandbox/faults`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(faults),
          });
          if (!res.ok) throw new Error(`POST /sandbox/faults: ${res.status} ${await res.text()}`);
        },
      },
      partitionsHeld,
      whenLiveHold: async (total, deadline) => {
        for (;;) {
          const held = await Promise.all(live().map((i) => partitionsHeld(i).catch(() => undefined)));
          if (held.every((h) => h !== undefined) && held.reduce((s: number, h) => s + (h ?? 0), 0) === total)
            return Date.now();
          if (Date.now() > deadline) return undefined;
          await sleep(100);
        }
      },
      replayVerify: () =>
        runWpg(['replay', '--verify'], {
          WPG_DATA_DIR: join(dir, 'replay'),
          ...(options.store === undefined ? {} : { WPG_EVENT_STORE: options.store }),
        }),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
};

export interface PartitionChange {
  /** When it was logged (real ms). */
  readonly at: number;
  readonly held: number;
  readonly taken: readonly number[];
  readonly lost: readonly number[];
}

/** Each 'saga partitions changed' log line of an instance: when, how many it held, what moved. */
export const partitionChanges = (instance: Instance): readonly PartitionChange[] =>
  instance.proc
    .output()
    .split('\n')
    .filter((line) => line.includes('"saga partitions changed"'))
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { time?: unknown; held?: unknown; taken?: unknown; lost?: unknown };
        const at = typeof entry.time === 'string' ? Date.parse(entry.time) : Number(entry.time);
        const numbers = (u: unknown): number[] =>
          Array.isArray(u) ? u.filter((n) => typeof n === 'number') : [];
        return Number.isFinite(at) && typeof entry.held === 'number'
          ? [{ at, held: entry.held, taken: numbers(entry.taken), lost: numbers(entry.lost) }]
          : [];
      } catch {
        return [];
      }
    });

const heldFromLogs = (instances: readonly Instance[], total: number, since: number): number | undefined => {
  const changes = instances.map(partitionChanges);
  const moments = [since, ...changes.flat().map((c) => c.at)].filter((t) => t >= since).sort((a, b) => a - b);
  return moments.find(
    (t) => changes.reduce((sum, list) => sum + (list.filter((c) => c.at <= t).pop()?.held ?? 0), 0) === total,
  );
};

/** The pay body of a Quick Pay payment under the cluster's sub-merchant. */
export const paymentBody = (outTradeNo: string, authCode: string, total = 1234) => ({
  sub_mchid: SUB,
  out_trade_no: outTradeNo,
  auth_code: authCode,
  amount: { total, currency: 'HKD' },
  description: 'Scale-out - coffee',
});
