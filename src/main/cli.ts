#!/usr/bin/env node
/**
 * `wpg`: the command-line entry point. Each command lives in src/main/commands/ and returns its exit
 * code: 0 success, 1 a failure found (e.g. replay differences), 2 bad usage or configuration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

type Run = (argv: readonly string[]) => Promise<number>;

const PACKAGE_NAME = 'wechatpay-global-core';

// Each command's modules load only when it runs: `wpg sandbox` need not load the service, nor
// `wpg start` the migration tool.
const COMMANDS: Readonly<Record<string, { readonly run: Run; readonly summary: string }>> = {
  start: {
    run: async (argv) => (await import('./commands/start')).startCommand(argv),
    summary: 'run the service (merchant API, webhook, sagas, projections)',
  },
  sandbox: {
    run: async (argv) => (await import('./commands/sandbox')).sandboxCommand(argv),
    summary: 'run the local WeChat Pay Global simulator alone',
  },
  demo: {
    run: async (argv) => (await import('./commands/demo')).demoCommand(argv),
    summary: 'walk through pay, poll, reverse, refund, notification, reconciliation, audit',
  },
  audit: {
    run: async (argv) => (await import('./commands/audit')).auditCommand(argv),
    summary: "print one payment's whole history: audit <sub_mchid> <out_trade_no>",
  },
  replay: {
    run: async (argv) => (await import('./commands/replay')).replayCommand(argv),
    summary: 're-fold every stream and check it: replay --verify',
  },
  reconcile: {
    run: async (argv) => (await import('./commands/remote')).reconcileCommand(argv),
    summary: "reconcile a day's statement: reconcile <yyyyMMdd>",
  },
  settlements: {
    run: async (argv) => (await import('./commands/remote')).settlementsCommand(argv),
    summary: 'query settlements: settlements --state SETTLED|UNSETTLE [--from --to]',
  },
  projections: {
    run: async (argv) => (await import('./commands/projections')).projectionsCommand(argv),
    summary: 'rebuild the read models from the log: projections rebuild',
  },
  'migrate-store': {
    run: async (argv) => (await import('./commands/migrate-store')).migrateStoreCommand(argv),
    summary: 'copy the log to another store: migrate-store --from X --to Y',
  },
};

const help = (): string =>
  [
    'wpg — WeChat Pay Global payment core',
    '',
    'Usage: wpg <command> [options]   (wpg <command> --help for details; wpg --version)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`),
    '',
  ].join('\n');

/**
 * The version in the package's own package.json: the nearest one above this file with our name,
 * whether it runs from src (tsx) or from the installed dist.
 */
const packageVersion = (): string => {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
  }
  throw new Error(`no package.json of ${PACKAGE_NAME} above ${__dirname}`);
};

/** The service's dependencies are optional peers of the package: say which to install. */
const SERVICE_PEERS = ['fastify', 'pino', 'prom-client', 'inversify', 'reflect-metadata', 'better-sqlite3'];
const missingPeer = (e: unknown): string | undefined => {
  if (!(e instanceof Error) || (e as { code?: unknown }).code !== 'MODULE_NOT_FOUND') return undefined;
  return [...SERVICE_PEERS, '@eventstore/db-client', 'pg'].find((peer) => e.message.includes(`'${peer}'`));
};

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return 0;
  }
  if (name === 'version' || name === '--version' || name === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command: ${name}\n\n${help()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const peer = missingPeer(e);
    if (peer === undefined) throw e;
    process.stderr.write(
      `wpg ${name} needs the optional dependency ${peer}, which is not installed.\n` +
        `Install the service's dependencies beside wechatpay-global-core:\n` +
        `  npm install ${SERVICE_PEERS.join(' ')}\n` +
        `(and @eventstore/db-client for an EventStoreDB store, pg for a PostgreSQL one)\n`,
    );
    return 2;
  }
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
