#!/usr/bin/env node
/**
 * `wpg`: the command-line entry point. Each command lives in src/main/commands/ and returns its exit
 * code: 0 success, 1 a failure found (e.g. replay differences), 2 bad usage or configuration.
 */
import { auditCommand } from './commands/audit';
import { demoCommand } from './commands/demo';
import { migrateStoreCommand } from './commands/migrate-store';
import { projectionsCommand } from './commands/projections';
import { reconcileCommand, settlementsCommand } from './commands/remote';
import { replayCommand } from './commands/replay';
import { sandboxCommand } from './commands/sandbox';
import { startCommand } from './commands/start';

const COMMANDS: Readonly<
  Record<string, { readonly run: (argv: readonly string[]) => Promise<number>; readonly summary: string }>
> = {
  start: { run: startCommand, summary: 'run the service (merchant API, webhook, sagas, projections)' },
  sandbox: { run: sandboxCommand, summary: 'run the local WeChat Pay Global simulator alone' },
  demo: {
    run: demoCommand,
    summary: 'walk through pay, poll, reverse, refund, notification, reconciliation, audit',
  },
  audit: {
    run: auditCommand,
    summary: "print one payment's whole history: audit <sub_mchid> <out_trade_no>",
  },
  replay: { run: replayCommand, summary: 're-fold every stream and check it: replay --verify' },
  reconcile: { run: reconcileCommand, summary: "reconcile a day's statement: reconcile <yyyyMMdd>" },
  settlements: {
    run: settlementsCommand,
    summary: 'query settlements: settlements --state SETTLED|UNSETTLE [--from --to]',
  },
  projections: {
    run: projectionsCommand,
    summary: 'rebuild the read models from the log: projections rebuild',
  },
  'migrate-store': {
    run: migrateStoreCommand,
    summary: 'copy the log to another store: migrate-store --from X --to Y',
  },
};

const help = (): string =>
  [
    'wpg — WeChat Pay Global payment core',
    '',
    'Usage: wpg <command> [options]   (wpg <command> --help for details)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`),
    '',
  ].join('\n');

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command: ${name}\n\n${help()}`);
    return 2;
  }
  return command.run(rest);
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
