/**
 * The e2e benchmark's child processes: the sandbox and the service, each run as `wpg <command>` in
 * its own Node process, and the reference relays (`_e2e-relay.ts`) (tsx loaded in-process with `--import`, so the pid we watch is the one doing
 * the work, not a launcher), plus the per-process figures read from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
/**
 * What ships is measured: the compiled `dist` (the package's `wpg` bin), built first by `buildCli`.
 * BENCH_E2E_SOURCE=1 runs the TypeScript sources through tsx instead, as `npm start` does; the
 * loader costs the service roughly 0.2–0.3 ms of CPU per payment on its own.
 */
const FROM_SOURCE = process.env['BENCH_E2E_SOURCE'] === '1';
const script = (path: string): string[] =>
  FROM_SOURCE ? ['--import', 'tsx', `${path}.ts`] : [join('dist', `${path}.js`)];
const CLI = script(join('src', 'main', 'cli'));
const RELAY = script(join('bench', '_e2e-relay'));

/**
 * Compiles `src` and the relay into `dist` (what `npm run build` emits, plus `dist/bench`, which is
 * not packaged), unless the sources are run directly.
 */
export const buildCli = (): string => {
  if (FROM_SOURCE) return 'TypeScript sources through tsx';
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.bench.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return 'the compiled build (dist)';
};
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface Managed {
  readonly name: string;
  readonly pid: number;
  /** SIGTERM (graceful, so a `--cpu-prof` profile is written), SIGKILL if it lingers. */
  readonly stop: () => Promise<void>;
  /** The last lines it wrote, for error messages. */
  readonly tail: () => string;
}

const alive = new Set<ChildProcess>();
// A bench that dies half-way must not leave a service or sandbox behind.
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

export const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });

/**
 * Starts `wpg <args>` and resolves once its stdout matches `ready` (the match is returned), rejecting
 * if it exits or stays silent for too long.
 */
export const startCli = (
  name: string,
  args: readonly string[],
  options: Parameters<typeof startNode>[2],
): ReturnType<typeof startNode> => startNode(name, [...CLI, ...args], options);

/** Starts a reference relay (`_e2e-relay.ts`) the same way. */
export const startRelay = (
  name: string,
  args: readonly string[],
  options: Parameters<typeof startNode>[2],
): ReturnType<typeof startNode> => startNode(name, [...RELAY, ...args], options);

const startNode = (
  name: string,
  argv: readonly string[],
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly nodeArgs?: readonly string[];
    readonly ready: RegExp;
  },
): Promise<{ readonly process: Managed; readonly match: RegExpMatchArray }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...argv], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    alive.add(child);
    let out = '';
    let ready = false;
    let lines: string[] = [];
    const keep = (chunk: Buffer): void => {
      lines = [...lines, ...chunk.toString('utf8').split('\n')].slice(-20);
    };
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('exit', () => alive.delete(child));
    const managed: Managed = {
      name,
      pid: child.pid ?? -1,
      tail: () => lines.join('\n'),
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${managed.tail()}`));
    }, START_TIMEOUT_MS);
    child.stderr.on('data', keep);
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      out += chunk.toString('utf8');
      const match = out.match(options.ready);
      if (match) {
        clearTimeout(timer);
        ready = true;
        done({ process: managed, match });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code ?? signal ?? '?'}) before it was ready:\n${managed.tail()}`));
    });
  });

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User and system CPU time of a process (all its threads), in ms, from /proc/<pid>/stat. */
export const cpuMsOf = (pid: number): { readonly user: number; readonly system: number } => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const toMs = (ticks: string | undefined): number => (Number(ticks) * 1000) / TICKS_PER_SECOND;
  return { user: toMs(fields[11]), system: toMs(fields[12]) };
};

/** Peak resident set size (VmHWM) of a process, in MiB. */
export const peakRssMiBOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(kib) / 1024;
};

/** The filesystem type holding `path` (longest matching mount point in /proc/mounts), e.g. ext4, tmpfs. */
export const filesystemOf = (path: string): string => {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((f) => f.length > 2 && (path === f[1] || path.startsWith(`${f[1] === '/' ? '' : f[1]}/`)));
    mounts.sort((a, b) => (b[1] ?? '').length - (a[1] ?? '').length);
    return mounts[0]?.[2] ?? 'unknown';
  } catch {
    return 'unknown';
  }
};
