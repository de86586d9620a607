/**
 * What importing the package costs a platform: modules loaded, milliseconds and RSS for
 * `require('wechatpay-global-core')` in a fresh Node process, on the compiled build.
 *
 * Baselines in the same run: an empty process (Node's own RSS), and the root together with every
 * subpath, which is what the root loaded before the adapters moved to their own entry points.
 * BENCH_IMPORT_RUNS sets how many processes each figure is the median of (default 7).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envInt } from './_env';

const ROOT = resolve(__dirname, '..');
const RUNS = envInt('BENCH_IMPORT_RUNS', 7);
const SUBPATHS = ['wechatpay', 'sqlite', 'eventstoredb', 'service', 'sandbox', 'testing'];
const HEAVY = [
  'fastify',
  'pino',
  '@grpc',
  '@eventstore',
  'prom-client',
  'inversify',
  'undici',
  'better-sqlite3',
];

interface Figures {
  readonly modules: number;
  readonly ms: number;
  readonly rssMb: number;
  readonly heavy: readonly string[];
}

/** One fresh process: requires `files` in order and reports what that cost. */
const probe = (files: readonly string[]): Figures => {
  const program = `
    const started = process.hrtime.bigint();
    for (const f of ${JSON.stringify(files)}) require(f);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const keys = Object.keys(require.cache);
    const heavy = ${JSON.stringify(HEAVY)}.filter((h) => keys.some((k) => k.includes('/node_modules/' + h + '/')));
    console.log(JSON.stringify({ modules: keys.length, ms, rssMb: process.memoryUsage().rss / 2 ** 20, heavy }));`;
  // The scratch build has no node_modules above it: the repository's serve it.
  const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules') };
  return JSON.parse(
    execFileSync(process.execPath, ['-e', program], { cwd: ROOT, env, encoding: 'utf8' }),
  ) as Figures;
};

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const measure = (files: readonly string[]): Figures => {
  const runs = Array.from({ length: RUNS }, () => probe(files));
  return {
    modules: median(runs.map((r) => r.modules)),
    ms: median(runs.map((r) => r.ms)),
    rssMb: median(runs.map((r) => r.rssMb)),
    heavy: runs[0]?.heavy ?? [],
  };
};

export async function run(): Promise<void> {
  // Compiled to a scratch directory: what ships is measured, and the repository's dist is left alone.
  const out = mkdtempSync(join(tmpdir(), 'wpg-bench-import-'));
  try {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    const entry = (name: string): string => join(out, 'src', `${name}.js`);
    const rows: [string, Figures][] = [
      ['empty process', measure([])],
      ['root (wechatpay-global-core)', measure([entry('index')])],
      ['root + every subpath (the old root)', measure([entry('index'), ...SUBPATHS.map(entry)])],
    ];
    console.log(`median of ${RUNS} fresh processes each, Node ${process.version}\n`);
    console.log('| import | modules | ms | RSS MB | heavy packages loaded |');
    console.log('| --- | ---: | ---: | ---: | --- |');
    for (const [name, f] of rows) {
      console.log(
        `| ${name} | ${f.modules} | ${f.ms.toFixed(0)} | ${f.rssMb.toFixed(0)} | ${f.heavy.join(', ') || 'none'} |`,
      );
    }
    const root = rows[1]?.[1];
    const all = rows[2]?.[1];
    if (root && all) {
      console.log(
        `\nthe root loads ${((root.modules / all.modules) * 100).toFixed(0)}% of the modules, in ` +
          `${((root.ms / all.ms) * 100).toFixed(0)}% of the time`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
