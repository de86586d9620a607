#!/usr/bin/env node
/**
 * `wpg`: the command-line entry point. Each command lives in src/main/commands/.
 */
const HELP = `wpg — WeChat Pay Global payment core

Usage: wpg <command> [options]

Commands:
  start       run the service (merchant API, webhook, sagas, projections)
  sandbox     run the local WeChat Pay Global simulator alone
  help        show this help
`;

const main = async (argv: readonly string[]): Promise<number> => {
  const [command] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${HELP}`);
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
