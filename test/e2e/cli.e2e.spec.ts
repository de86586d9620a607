import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The real `wpg` CLI, spawned as a user runs it (through tsx, from the repository root), with a
 * fresh data directory and none of the caller's WPG_* settings.
 */

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'wpg-cli-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const cleanEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WPG_')) env[k] = v;
  return { ...env, WPG_DATA_DIR: dataDir, ...extra };
};

/** Runs `wpg <args>` to completion; a run that outlives `limitMs` is killed and reported as such. */
const wpg = (
  args: readonly string[],
  extraEnv: Record<string, string> = {},
  limitMs = 60_000,
): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(TSX, ['src/main/cli.ts', ...args], { cwd: ROOT, env: cleanEnv(extraEnv) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new Error(
          `wpg ${args.join(' ')} ran longer than ${limitMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, limitMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });

/** The command names as `wpg help` lists them: two-space indent, the name, then its summary. */
const listedCommands = (help: string): string[] =>
  help
    .slice(help.indexOf('Commands:'))
    .split('\n')
    .slice(1)
    .map((line) => /^ {2}([a-z][a-z-]*) /.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);

describe('wpg help', () => {
  let help: Run;
  beforeAll(async () => {
    help = await wpg(['help']);
  }, 90_000);

  it('lists the commands and exits 0', () => {
    expect(help.code).toBe(0);
    expect(listedCommands(help.stdout)).toEqual(
      expect.arrayContaining([
        'start',
        'sandbox',
        'demo',
        'audit',
        'replay',
        'reconcile',
        'settlements',
        'projections',
        'migrate-store',
      ]),
    );
  });

  it('every listed command answers --help with its usage and exit code 0', async () => {
    const names = listedCommands(help.stdout);
    const runs: { name: string; run: Run }[] = [];
    // Two at a time: each start of tsx compiles the CLI's imports, and the machine may be shared.
    for (let i = 0; i < names.length; i += 2) {
      const batch = names.slice(i, i + 2);
      runs.push(
        ...(await Promise.all(batch.map(async (name) => ({ name, run: await wpg([name, '--help']) })))),
      );
    }
    for (const { name, run } of runs) {
      expect({ name, code: run.code }).toEqual({ name, code: 0 });
      expect({ name, usage: run.stdout.includes(`wpg ${name}`) }).toEqual({ name, usage: true });
    }
  }, 300_000);

  it('an unknown command exits 2 and shows the command list on stderr', async () => {
    const run = await wpg(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command: frobnicate');
    expect(listedCommands(run.stderr)).toContain('start');
  }, 90_000);
});

describe('wpg start with a bad configuration', () => {
  it('exits 2, lists every problem in one error, and never prints a secret value', async () => {
    const token = 'short';
    const run = await wpg(['start'], { WPG_PORT: 'abc', WPG_SANDBOX: 'off', WPG_API_TOKEN: token });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^wpg start: invalid configuration:/);
    const named = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => line.slice(4).split(/[: ]/)[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        'WPG_PORT',
        'WPG_API_TOKEN',
        'WPG_SP_MCHID',
        'WPG_SP_APPID',
        'WPG_MERCHANT_SERIAL',
        'WPG_MERCHANT_PRIVATE_KEY',
        'WPG_APIV3_KEY',
        'WPG_NOTIFY_URL',
      ]),
    );
    expect(run.stderr).toContain('"abc"');
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(new RegExp(`\\b${token}\\b`));
  }, 90_000);
});

describe('wpg demo', () => {
  it('tells the whole story on a fresh store and exits 0', async () => {
    const run = await wpg(['demo'], {}, 180_000);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('SUCCEEDED');
    expect(run.stdout).toContain('REVERSED');
    expect(run.stdout).toMatch(/Reconciliation \d+ \d{8} at /);
    expect(run.stdout).toContain('matched');
  }, 200_000);
});
