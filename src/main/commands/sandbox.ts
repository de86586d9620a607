import { resolve } from 'node:path';
import { startSandbox } from '../../adapters/sandbox';

/**
 * `wpg sandbox`: runs the local WeChat Pay Global simulator alone (docs/sandbox.md) until SIGINT or
 * SIGTERM, printing its base URL and where sandbox.json is, so any client can be pointed at it.
 */

const HELP = `wpg sandbox — run the local WeChat Pay Global (apihk) simulator

Usage: wpg sandbox [--port N] [--state-dir DIR] [--time-scale X] [--persistence memory|sqlite]
                   [--statement-header en|zh] [--notification-aad TEXT]

Options:
  --port N            port to listen on (default 0: any free port)
  --host H            address to listen on (default 127.0.0.1)
  --state-dir DIR     credentials, sandbox.json and state (default ./.sandbox)
  --time-scale X      business time runs X times faster (default 1)
  --persistence P     memory (default) or sqlite (state survives restarts)
  --statement-header L  statement header language: en (default) or zh, as WeChat's two pages print it
  --notification-aad T  associated data of notification encryption (default "", as WeChat's example)
  --help              show this help

Faults (control API, under the base URL; JSON bodies):
  POST /sandbox/faults             {"errorRate":0.1,"dropRate":0,"latencyMs":0}  every API call
  POST /sandbox/faults/reverse     {"errors":2,"hangs":1}  the next 2 reverse calls answer 500 with
                                   nothing done, then 1 is carried out but never answered
  GET  /sandbox/faults/reverse     the reverse faults still to come

Scenario table, control API and sandbox.json: docs/sandbox.md
`;

interface Parsed {
  readonly port: number;
  readonly host: string;
  readonly stateDir: string;
  readonly timeScale: number;
  readonly persistence: 'memory' | 'sqlite';
  readonly statementHeader: 'en' | 'zh';
  readonly notificationAssociatedData: string;
}

type ParseResult =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly options: Parsed };

/** Every option takes a value. */
const VALUE_OPTIONS: readonly string[] = [
  '--port',
  '--host',
  '--state-dir',
  '--time-scale',
  '--persistence',
  '--statement-header',
  '--notification-aad',
];

const parse = (argv: readonly string[]): ParseResult => {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    if (!VALUE_OPTIONS.includes(flag ?? '')) {
      return { kind: 'error', message: `unknown option ${arg}` };
    }
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i += 1;
    if (value === undefined) return { kind: 'error', message: `${flag ?? arg} needs a value` };
    values[flag ?? arg] = value;
  }
  const port = Number(values['--port'] ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return { kind: 'error', message: '--port must be 0-65535' };
  const timeScale = Number(values['--time-scale'] ?? '1');
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    return { kind: 'error', message: '--time-scale must be > 0' };
  const persistence = values['--persistence'] ?? 'memory';
  if (persistence !== 'memory' && persistence !== 'sqlite') {
    return { kind: 'error', message: '--persistence must be memory or sqlite' };
  }
  const statementHeader = values['--statement-header'] ?? 'en';
  if (statementHeader !== 'en' && statementHeader !== 'zh') {
    return { kind: 'error', message: '--statement-header must be en or zh' };
  }
  const notificationAssociatedData = values['--notification-aad'] ?? '';
  if (notificationAssociatedData.length > 64) {
    return { kind: 'error', message: '--notification-aad must be at most 64 characters' };
  }
  return {
    kind: 'run',
    options: {
      port,
      host: values['--host'] ?? '127.0.0.1',
      stateDir: resolve(values['--state-dir'] ?? '.sandbox'),
      timeScale,
      persistence,
      statementHeader,
      notificationAssociatedData,
    },
  };
};

export async function sandboxCommand(argv: readonly string[]): Promise<number> {
  const parsed = parse(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`${parsed.message}\n\n${HELP}`);
    return 2;
  }
  const sandbox = await startSandbox(parsed.options);
  process.stdout.write(
    `WeChat Pay Global sandbox listening on ${sandbox.baseUrl}\ncredentials: ${sandbox.credentialsFile}\n` +
      `time scale: ${parsed.options.timeScale}, persistence: ${parsed.options.persistence}\n`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
  process.stdout.write('sandbox stopped\n');
  return 0;
}
