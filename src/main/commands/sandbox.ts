import { resolve } from 'node:path';
import { startSandbox } from '../../adapters/sandbox';

/**
 * `wpg sandbox`: runs the local WeChat Pay Global simulator alone (docs/sandbox.md) until SIGINT or
 * SIGTERM, printing its base URL and where sandbox.json is, so any client can be pointed at it.
 */

const HELP = `wpg sandbox — run the local WeChat Pay Global (apihk) simulator

Usage: wpg sandbox [--port N] [--state-dir DIR] [--time-scale X] [--persistence memory|sqlite]
                   [--refund-delay OUTCOME=SECONDS,...] [--refund-outcome OUTCOME]

Options:
  --port N            port to listen on (default 0: any free port)
  --host H            address to listen on (default 127.0.0.1)
  --state-dir DIR     credentials, sandbox.json and state (default ./.sandbox)
  --time-scale X      business time runs X times faster (default 1)
  --persistence P     memory (default) or sqlite (state survives restarts)
  --refund-delay D    business seconds from PROCESSING to each refund outcome, e.g.
                      SUCCESS=5,REFUNDCLOSE=5,ABNORMAL=5 (the defaults); settable at run time too
  --refund-outcome O  outcome of refunds without a reason marker: SUCCESS (default),
                      REFUNDCLOSE or ABNORMAL
  --help              show this help

Refund controls at run time (control API, unauthenticated, JSON bodies):
  POST /sandbox/refunds/outcome     {"outcome": "ABNORMAL"|"SUCCESS"|"REFUNDCLOSE"|null}
                                    outcome of the refunds created next
  POST /sandbox/refunds/transition  {"sub_mchid", "out_refund_no", "status": "SUCCESS"|
                                    "REFUNDCLOSE"|"ABNORMAL", "after_seconds"?}
                                    move an existing refund (e.g. an ABNORMAL one) at a chosen moment
  POST /sandbox/refunds/refusals    {"code": "NOT_ENOUGH"|"FREQUENCY_LIMITED"|"SYSTEM_ERROR"|null,
                                    "count"?, "seconds"?}  refuse the next new submissions for now
  POST /sandbox/refunds/delays      {"SUCCESS"?, "REFUNDCLOSE"?, "ABNORMAL"?}  outcome delays (s)
  GET  /sandbox/refunds/controls    the refund controls in force

Scenario table, the whole control API and sandbox.json: docs/sandbox.md
`;

type RefundOutcome = 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL';
const REFUND_OUTCOMES: readonly string[] = ['SUCCESS', 'REFUNDCLOSE', 'ABNORMAL'];
const isRefundOutcome = (s: string): s is RefundOutcome => REFUND_OUTCOMES.includes(s);

interface Parsed {
  readonly port: number;
  readonly host: string;
  readonly stateDir: string;
  readonly timeScale: number;
  readonly persistence: 'memory' | 'sqlite';
  readonly refundDelaySeconds?: Partial<Record<RefundOutcome, number>>;
  readonly defaultRefundOutcome?: RefundOutcome;
}

/** `SUCCESS=5,ABNORMAL=30` → the delays; a message naming what is wrong otherwise. */
const parseRefundDelays = (text: string): Partial<Record<RefundOutcome, number>> | string => {
  const delays: Partial<Record<RefundOutcome, number>> = {};
  for (const part of text.split(',')) {
    const [name = '', value = ''] = part.split('=', 2);
    const seconds = Number(value);
    if (!isRefundOutcome(name)) return `--refund-delay: unknown outcome "${name.slice(0, 20)}"`;
    if (value === '' || !Number.isFinite(seconds) || seconds < 0) {
      return `--refund-delay: ${name} needs seconds ≥ 0`;
    }
    delays[name] = seconds;
  }
  return delays;
};

type ParseResult =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly options: Parsed };

const parse = (argv: readonly string[]): ParseResult => {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    // Split at the first '=' only: a value may hold '=' itself (--refund-delay=SUCCESS=5).
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const known = [
      '--port',
      '--host',
      '--state-dir',
      '--time-scale',
      '--persistence',
      '--refund-delay',
      '--refund-outcome',
    ];
    if (!known.includes(flag ?? '')) {
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
  const delays = values['--refund-delay'];
  const refundDelaySeconds = delays === undefined ? undefined : parseRefundDelays(delays);
  if (typeof refundDelaySeconds === 'string') return { kind: 'error', message: refundDelaySeconds };
  const outcome = values['--refund-outcome'];
  if (outcome !== undefined && !isRefundOutcome(outcome)) {
    return { kind: 'error', message: '--refund-outcome must be SUCCESS, REFUNDCLOSE or ABNORMAL' };
  }
  return {
    kind: 'run',
    options: {
      port,
      host: values['--host'] ?? '127.0.0.1',
      stateDir: resolve(values['--state-dir'] ?? '.sandbox'),
      timeScale,
      persistence,
      ...(refundDelaySeconds !== undefined ? { refundDelaySeconds } : {}),
      ...(outcome !== undefined ? { defaultRefundOutcome: outcome } : {}),
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
