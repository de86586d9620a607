import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The package as a platform receives it: built and packed as `npm publish` would, then installed from
 * the tarball into fresh apps, as a user would, and used only through its public entry points.
 *
 * - the core alone: what installing it brings, what importing its root loads, `wpg --version`;
 * - two strict TypeScript apps (skipLibCheck off), one CommonJS and one ESM, that import the root and
 *   every subpath, type-check, and take a payment on the SQLite store against the in-process sandbox;
 * - the example platform of examples/platform, built against the tarball and run twice.
 *
 * Installs come from the local npm cache when it has them. better-sqlite3 is installed without its
 * build step (it would download or compile a native binary) and given the repository's own binary,
 * built for this very Node, at the same version.
 */
const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_FLAGS = ['--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];

/** The packages a module must never come from when a platform imports the root. */
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
const SUBPATHS = [
  'wechatpay',
  'sqlite',
  'postgresql',
  'eventstoredb',
  'service',
  'sandbox',
  'testing',
] as const;

const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

/** The optional peers, at the versions this repository is tested with, and the type packages. */
const PEERS = [
  'better-sqlite3',
  'fastify',
  'pino',
  'prom-client',
  'inversify',
  'reflect-metadata',
  '@eventstore/db-client',
  '@types/better-sqlite3',
  '@types/node',
].map((name) => `${name}@${versionOf(name)}`);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (command: string, args: readonly string[], cwd: string): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_ENV: 'test' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });

const succeed = async (command: string, args: readonly string[], cwd: string): Promise<string> => {
  const r = await run(command, args, cwd);
  if (r.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

const npm = (args: readonly string[], cwd: string): Promise<string> =>
  succeed(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);

/**
 * One program for both apps: it imports the root and every subpath, builds each subpath's main
 * factory, and takes one payment through the core on SQLite against the sandbox over real HTTP.
 * No top-level await, so the same text compiles as CommonJS and as ESM.
 */
const APP_SOURCE = `
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Order, createPaymentCore, createMemoryEventStore, unsafeMoney,
  type AppId, type AuthCode, type OutTradeNo, type SpMchid, type SubMchid,
} from 'wechatpay-global-core';
import { createWeChatPayClient } from 'wechatpay-global-core/wechatpay';
import { openSqliteDatabase, createSqliteEventStore, createSqliteReadModelStore, type SqliteDatabase } from 'wechatpay-global-core/sqlite';
import { checkConnectionString, createEventStoreDbEventStore } from 'wechatpay-global-core/eventstoredb';
import { createPinoLogger, createPrometheusMetrics, loadConfig, startService } from 'wechatpay-global-core/service';
import { startSandbox } from 'wechatpay-global-core/sandbox';
import {
  DeciderSpecification, createManualClock, createManualTimers, createNotificationBuilder, startTestSandbox,
} from 'wechatpay-global-core/testing';

// Compile-time: the SQLite handle is better-sqlite3's own type, not a silent any.
type IsAny<T> = 0 extends 1 & T ? true : false;
const sqliteHandleIsTyped: IsAny<SqliteDatabase> = false;

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-app-'));
  const sandbox = await startSandbox({ stateDir: join(dir, 'sandbox') });
  const c = sandbox.credentials;
  const logger = createPinoLogger({ level: 'silent' });
  const client = createWeChatPayClient(
    {
      baseUrl: sandbox.baseUrl,
      spMchid: c.spMchid as SpMchid,
      spAppid: c.spAppid as AppId,
      merchantSerial: c.merchantSerial,
      merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
      apiV3Key: readFileSync(c.apiV3KeyPath, 'utf8').trim(),
    },
    { clock: { now: () => Date.now() }, logger },
  );
  const log: SqliteDatabase = openSqliteDatabase(join(dir, 'events.db'));
  const views: SqliteDatabase = openSqliteDatabase(join(dir, 'views.db'), { synchronous: 'NORMAL' });
  const core = createPaymentCore({
    config: { spMchid: c.spMchid as SpMchid },
    ports: {
      gateway: client.gateway,
      verifier: client.verifier,
      store: createSqliteEventStore(log),
      readModels: createSqliteReadModelStore(views),
      logger,
    },
  });
  await core.start();
  const paid = await core.api.createPayment(
    {
      subMchid: '1900000109' as SubMchid,
      outTradeNo: 'pkg-app-0001' as OutTradeNo,
      authCode: '130000000000000001' as AuthCode,
      amount: unsafeMoney(2800, 'HKD'),
      description: 'Package test - latte',
    },
    { actor: 'package-test', correlationId: 'pkg-1' },
    30_000,
  )();
  await core.stop();
  await client.close();
  log.close();
  views.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });

  const clock = createManualClock(0);
  const timers = createManualTimers(clock);
  let fired = 0;
  timers.at(1_000, () => (fired += 1));
  clock.advance(1_000);
  const metrics = createPrometheusMetrics({ collectDefaultMetrics: false });
  const status: string = paid._tag === 'Right' ? paid.right.status : paid.left._tag;
  console.log(
    JSON.stringify({
      status,
      sqliteHandleIsTyped,
      memoryStore: typeof createMemoryEventStore().append,
      manualTimerFired: fired,
      spec: typeof DeciderSpecification.for(Order.orderDecider).given([]).when,
      esdbConnectionString: checkConnectionString('esdb://localhost:2113?tls=false')._tag,
      esdbFactory: typeof createEventStoreDbEventStore,
      metrics: typeof metrics.render,
      service: [typeof startService, typeof loadConfig],
      testing: [typeof startTestSandbox, typeof createNotificationBuilder],
    }),
  );
};

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
`;

const STRICT = {
  strict: true,
  skipLibCheck: false,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  target: 'ES2022',
  lib: ['ES2022'],
  types: ['node'],
  outDir: 'out',
};

// Type-checking with skipLibCheck off reads every dependency's typings: tens of seconds each.
jest.setTimeout(240_000);

const work = mkdtempSync(join(tmpdir(), 'wpg-pkg-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let tarball = '';
let packed: readonly string[] = [];

/** Builds into a staging copy (never the repository's own dist, which other suites may be reading). */
const buildAndPack = async (): Promise<void> => {
  const stage = join(work, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'LICENSE']) copyFileSync(join(ROOT, f), join(stage, f));
  for (const d of ['docs', 'esm']) cpSync(join(ROOT, d), join(stage, d), { recursive: true });
  const build = await run(
    process.execPath,
    [TSC, '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')],
    ROOT,
  );
  expect(build.stdout + build.stderr).toBe('');
  expect(build.code).toBe(0);
  const out = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed nothing usable: ${out}`);
  tarball = join(work, info.filename);
  packed = info.files.map((f) => f.path);
};

const newApp = (name: string, type: 'commonjs' | 'module'): string => {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }, null, 2));
  return dir;
};

/** Gives the app's better-sqlite3 (installed without its build step) the repository's binary. */
const lendSqliteBinary = (app: string): void => {
  const release = join('node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(join(app, release), { recursive: true });
  copyFileSync(join(ROOT, release, 'better_sqlite3.node'), join(app, release, 'better_sqlite3.node'));
};

const typedApp = async (name: string, type: 'commonjs' | 'module'): Promise<string> => {
  const dir = newApp(name, type);
  const module = type === 'module' ? 'nodenext' : 'node16';
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      { compilerOptions: { ...STRICT, module, moduleResolution: module }, files: ['main.ts'] },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'main.ts'), APP_SOURCE);
  await npm(['install', ...NPM_FLAGS, tarball, ...PEERS], dir);
  lendSqliteBinary(dir);
  return dir;
};

/** A copy of examples/platform (its sources and manifests only), given the tarball for the package. */
const exampleApp = async (): Promise<string> => {
  const dir = join(work, 'example-platform');
  const source = join(ROOT, 'examples', 'platform');
  mkdirSync(dir);
  for (const f of ['package.json', 'tsconfig.json']) copyFileSync(join(source, f), join(dir, f));
  cpSync(join(source, 'src'), join(dir, 'src'), { recursive: true });
  const types = ['better-sqlite3', '@types/better-sqlite3', '@types/node'];
  await npm(['install', ...NPM_FLAGS, tarball, ...types.map((n) => `${n}@${versionOf(n)}`)], dir);
  lendSqliteBinary(dir);
  return dir;
};

let coreOnly = '';
let cjsApp = '';
let esmApp = '';
let example = '';

beforeAll(async () => {
  await buildAndPack();
  coreOnly = newApp('core-only', 'commonjs');
  [, cjsApp, esmApp, example] = await Promise.all([
    npm(['install', ...NPM_FLAGS, tarball], coreOnly),
    typedApp('cjs-app', 'commonjs'),
    typedApp('esm-app', 'module'),
    exampleApp(),
  ]);
}, 600_000);

describe('the packed tarball', () => {
  it('holds the build, the ESM entry points, the docs and the licence; no source maps, sources or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/src/index.js']),
    );
    for (const entry of ['index', ...SUBPATHS]) {
      expect(packed).toEqual(
        expect.arrayContaining([
          `dist/src/${entry}.js`,
          `dist/src/${entry}.d.ts`,
          `esm/${entry}.mjs`,
          `esm/${entry}.d.mts`,
        ]),
      );
    }
    expect(packed.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(
      packed.filter((p) => /^(src|test|bench)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts'))),
    ).toEqual([]);
  });
});

describe('the core alone, installed from the tarball', () => {
  it('brings only its three dependencies: no adapter packages, no tsx, no @types', () => {
    const installed = readdirSync(join(coreOnly, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(installed.sort()).toEqual(['fp-ts', 'io-ts', 'undici', 'wechatpay-global-core']);
  });

  it('loads none of the heavy modules when the root is imported, and still builds a core', async () => {
    const probe = await run(
      process.execPath,
      [
        '-e',
        `const m = require('wechatpay-global-core');
         const core = m.createPaymentCore({
           config: { spMchid: '1900000100' },
           ports: { gateway: {}, verifier: {}, store: m.createMemoryEventStore() },
         });
         const heavy = ${JSON.stringify(HEAVY)};
         const loaded = Object.keys(require.cache).filter((k) => heavy.some((h) => k.includes('/node_modules/' + h + '/')));
         console.log(JSON.stringify({ api: typeof core.api.createPayment, loaded, modules: Object.keys(require.cache).length }));`,
      ],
      coreOnly,
    );
    expect(probe.stderr).toBe('');
    const result = JSON.parse(probe.stdout) as { api: string; loaded: string[]; modules: number };
    expect(result.api).toBe('function');
    expect(result.loaded).toEqual([]);
    // Measured at 831 before the split; the domain, application and fp-ts/io-ts are about 110.
    expect(result.modules).toBeLessThan(200);
  });

  it('says which optional dependency to install when an adapter entry point needs one', async () => {
    const probe = await run(process.execPath, ['-e', `require('wechatpay-global-core/sqlite')`], coreOnly);
    expect(probe.code).not.toBe(0);
    expect(probe.stderr).toContain("Cannot find module 'better-sqlite3'");
  });

  it('loads /testing without better-sqlite3, which only startTestSandbox needs, and names it', async () => {
    const probe = await run(
      process.execPath,
      [
        '-e',
        `const t = require('wechatpay-global-core/testing');
         const clock = t.createManualClock(0);
         t.startTestSandbox().then(
           () => console.log('started'),
           (e) => console.log(JSON.stringify({ clock: clock.now(), error: e.message.split('\\n')[0] })),
         );`,
      ],
      coreOnly,
    );
    expect(probe.stderr).toBe('');
    expect(JSON.parse(probe.stdout)).toEqual({ clock: 0, error: "Cannot find module 'better-sqlite3'" });
  });

  it('refuses a core without a store in production, and warns loudly without one otherwise', async () => {
    const attempt = (env: string) =>
      run(
        process.execPath,
        [
          '-e',
          `process.env.NODE_ENV = '${env}';
           const m = require('wechatpay-global-core');
           try {
             m.createPaymentCore({ config: { spMchid: '1900000100' }, ports: { gateway: {}, verifier: {} } });
             console.log('created');
           } catch (e) { console.log('refused: ' + e.message); }`,
        ],
        coreOnly,
      );
    const production = await attempt('production');
    expect(production.stdout).toMatch(/^refused: .*ports\.store is required in production/);
    const development = await attempt('development');
    expect(development.stdout.trim()).toBe('created');
    expect(development.stderr).toMatch(/"level":"warn".*NO EVENT STORE GIVEN.*LOST/);
  });

  it('installs the wpg command, which prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await run(process.execPath, [join(coreOnly, 'node_modules', '.bin', 'wpg'), flag], coreOnly);
      expect(r.stdout.trim()).toBe(pkg.version);
      expect(r.code).toBe(0);
    }
  });
});

describe.each([
  ['CommonJS', () => cjsApp],
  ['ESM', () => esmApp],
])('a strict %s TypeScript app, with skipLibCheck off', (_kind, app) => {
  it('type-checks its imports of the root and every subpath, then takes a payment on SQLite against the sandbox', async () => {
    const check = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], app());
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);
    const program = await run(process.execPath, [join('out', 'main.js')], app());
    expect(program.stderr).toBe('');
    expect(JSON.parse(program.stdout)).toEqual({
      status: 'SUCCEEDED',
      sqliteHandleIsTyped: false,
      memoryStore: 'function',
      manualTimerFired: 1,
      spec: 'function',
      esdbConnectionString: 'Right',
      esdbFactory: 'function',
      metrics: 'function',
      service: ['function', 'function'],
      testing: ['function', 'function'],
    });
  });
});

describe('a CommonJS app on the older module resolution (node10, no exports map)', () => {
  it('still finds the typings of every subpath', async () => {
    const check = await run(
      process.execPath,
      [TSC, '-p', 'tsconfig.json', '--module', 'commonjs', '--moduleResolution', 'node10', '--noEmit'],
      cjsApp,
    );
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);
  });
});

describe('the example platform (examples/platform), built against the tarball', () => {
  interface ExampleRun {
    readonly run: number;
    readonly handled: readonly string[];
    readonly orders: readonly { out_trade_no: string; status: string; refunded: number }[];
  }
  const start = async (): Promise<ExampleRun> => {
    const r = await run(process.execPath, [join('dist', 'main.js'), 'data'], example);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as ExampleRun;
  };

  it('type-checks strictly, takes a payment and a refund, and resumes from its checkpoint on a second run', async () => {
    const check = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], example);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);

    const first = await start();
    const order = (n: number) => `order-1900000109:order-${n}`;
    expect(first.run).toBe(1);
    expect(first.handled).toEqual([
      `OrderSubmitted ${order(1)}`,
      `OrderSucceeded ${order(1)}`,
      `RefundConfirmed ${order(1)}`,
    ]);
    const second = await start();
    expect(second.run).toBe(2);
    // Only the second order's events: the first run's were behind the stored checkpoint.
    expect(second.handled).toEqual([
      `OrderSubmitted ${order(2)}`,
      `OrderSucceeded ${order(2)}`,
      `RefundConfirmed ${order(2)}`,
    ]);
    expect(second.orders).toEqual([
      { out_trade_no: 'order-1', amount: 2800, status: 'PAID', refunded: 1000 },
      { out_trade_no: 'order-2', amount: 2800, status: 'PAID', refunded: 1000 },
    ]);
  });
});
