import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The real `wpg` CLI as a separate process, run from the repository root. */
export const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'main', 'cli.ts');

export interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export const wpg = (args: readonly string[], env: Readonly<Record<string, string>> = {}): Proc => {
  // One process (tsx as a loader, not tsx's CLI, which runs the script in a child): a SIGKILL kills the service itself.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
};

/** Runs a CLI command to completion. */
export const runWpg = async (args: readonly string[], env: Readonly<Record<string, string>> = {}) => {
  const p = wpg(args, env);
  const code = await p.exited;
  return { code, output: p.output() };
};

export const waitForOutput = async (
  p: Proc,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if (p.child.exitCode !== null) throw new Error(`process exited (${p.child.exitCode}):\n${p.output()}`);
    if (Date.now() > until) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

export interface SandboxCredentialsFile {
  readonly baseUrl: string;
  readonly spMchid: string;
  readonly spAppid: string;
  readonly merchantSerial: string;
  readonly merchantPrivateKeyPath: string;
  readonly apiV3KeyPath: string;
}

export const readCredentials = (path: string): SandboxCredentialsFile =>
  JSON.parse(readFileSync(path, 'utf8')) as SandboxCredentialsFile;

/** The service's environment for an external sandbox (WPG_SANDBOX=off, its credentials files). */
export const serviceEnv = (
  c: SandboxCredentialsFile,
  port: number,
  dataDir: string,
  token: string,
  scale: number,
) => ({
  WPG_SANDBOX: 'off',
  WPG_WECHATPAY_BASE_URL: c.baseUrl,
  WPG_SP_MCHID: c.spMchid,
  WPG_SP_APPID: c.spAppid,
  WPG_MERCHANT_SERIAL: c.merchantSerial,
  WPG_MERCHANT_PRIVATE_KEY: c.merchantPrivateKeyPath,
  WPG_APIV3_KEY: c.apiV3KeyPath,
  WPG_NOTIFY_URL: `http://127.0.0.1:${port}/notifications/wechatpay`,
  WPG_PORT: String(port),
  WPG_DATA_DIR: dataDir,
  WPG_API_TOKEN: token,
  WPG_TIME_SCALE: String(scale),
  WPG_LOG_LEVEL: 'warn',
});
