import { resolve } from 'node:path';
import { startSandbox, type SandboxOptions } from '../../adapters/sandbox';

/**
 * `wpg sandbox`: runs the local WeChat Pay Global simulator alone (docs/sandbox.md) until SIGINT or
 * SIGTERM, printing its base URL and where sandbox.json is, so any client can be pointed at it.
 */

const HELP = `wpg sandbox — run the local WeChat Pay Global (apihk) simulator

Usage: wpg sandbox [--port N] [--state-dir DIR] [--time-scale X] [--persistence memory|sqlite]
                   [--statement-header en|zh] [--notification-aad TEXT]
                   [--rotate-certificate-after MS [--announce now|when-signing]]
                   [--unverifiable-rate R [--unverifiable-as bad-signature|unknown-serial]]
                   [--refund-delay OUTCOME=SECONDS,...] [--refund-outcome OUTCOME]

Options:
  --port N            port to listen on (default 0: any free port)
  --host H            address to listen on (default 127.0.0.1)
  --state-dir DIR     credentials, sandbox.json and state (default ./.sandbox)
  --time-scale X      business time runs X times faster (default 1)
  --persistence P     memory (default) or sqlite (state survives restarts)
  --statement-header L  statement header language: en (default) or zh, as WeChat's two pages print it
  --notification-aad T  associated data of notification encryption (default "", as WeChat's example)
  --refund-delay D    business seconds from PROCESSING to each refund outcome, e.g.
                      SUCCESS=5,REFUNDCLOSE=5,ABNORMAL=5 (the defaults); settable at run time too
  --refund-outcome O  outcome of refunds without a reason marker: SUCCESS (default),
                      REFUNDCLOSE or ABNORMAL
  --help              show this help

Faults (control API, under the base URL; JSON bodies):
  POST /sandbox/faults             {"errorRate":0.1,"dropRate":0,"latencyMs":0}  every API call
  POST /sandbox/faults/reverse     {"errors":2,"hangs":1}  the next 2 reverse calls answer 500 with
                                   nothing done, then 1 is carried out but never answered
  GET  /sandbox/faults/reverse     the reverse faults still to come
Certificate and signature faults (also at run time: POST /sandbox/certificates/rotate, /sandbox/faults):
  --rotate-certificate-after MS
                      rotate the platform certificate once: a new one signs answers and
                      notifications from MS business ms after start (0 = at once)
  --announce A        now (default): the download lists the new certificate from start;
                      when-signing: only from the moment it signs
  --unverifiable-rate R
                      share 0..1 of signed API answers the client cannot verify
  --unverifiable-as K bad-signature (default): signed over other bytes;
                      unknown-serial: Wechatpay-Serial names a certificate never listed

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

Call record (control API, read-only):
  GET  /sandbox/calls[?operation=&outTradeNo=&outRefundNo=&instance=&since=]
                                    {"calls": [{seq, operation, instance, subMchid?, outTradeNo?,
                                    outRefundNo?, receivedAt, answeredAt, businessAt, status, fault?}],
                                    "discarded"}: every merchant API call received, in seq order, with
                                    the instance named in its User-Agent ("...; instance <id>)", else
                                    null); receivedAt/answeredAt real ms, businessAt sandbox time (ISO);
                                    answeredAt and status null when no answer was sent. Filters are
                                    exact; since=N: calls after seq N. The newest 200,000 are kept.
                                    A bad filter answers 400.

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
  readonly statementHeader: 'en' | 'zh';
  readonly notificationAssociatedData: string;
  readonly rotateCertificate?: NonNullable<SandboxOptions['rotateCertificate']>;
  readonly faults?: NonNullable<SandboxOptions['faults']>;
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

/** Every option takes a value. */
const VALUE_OPTIONS: readonly string[] = [
  '--port',
  '--host',
  '--state-dir',
  '--time-scale',
  '--persistence',
  '--statement-header',
  '--notification-aad',
  '--rotate-certificate-after',
  '--announce',
  '--unverifiable-rate',
  '--unverifiable-as',
  '--refund-delay',
  '--refund-outcome',
];

/** The certificate and signature fault flags; a string is the error to report. */
const certificateFaults = (
  values: Readonly<Record<string, string>>,
): Pick<Parsed, 'rotateCertificate' | 'faults'> | string => {
  const after = values['--rotate-certificate-after'];
  const announce = values['--announce'] ?? 'now';
  if (announce !== 'now' && announce !== 'when-signing') return '--announce must be now or when-signing';
  if (after === undefined && values['--announce'] !== undefined)
    return '--announce needs --rotate-certificate-after';
  const afterMs = Number(after ?? '0');
  if (!Number.isFinite(afterMs) || afterMs < 0) return '--rotate-certificate-after must be ≥ 0 (ms)';
  const rate = Number(values['--unverifiable-rate'] ?? '0');
  if (!(rate >= 0 && rate <= 1)) return '--unverifiable-rate must be between 0 and 1';
  const as = values['--unverifiable-as'] ?? 'bad-signature';
  if (as !== 'bad-signature' && as !== 'unknown-serial')
    return '--unverifiable-as must be bad-signature or unknown-serial';
  return {
    ...(after === undefined ? {} : { rotateCertificate: { afterMs, announce } }),
    ...(rate > 0
      ? {
          faults: {
            unverifiableRate: rate,
            unverifiableAs: as === 'unknown-serial' ? ('unknownSerial' as const) : ('badSignature' as const),
          },
        }
      : {}),
  };
};

const parse = (argv: readonly string[]): ParseResult => {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    // Split at the first '=' only: a value may hold '=' itself (--refund-delay=SUCCESS=5).
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
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
  const faults = certificateFaults(values);
  if (typeof faults === 'string') return { kind: 'error', message: faults };
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
      ...faults,
      port,
      host: values['--host'] ?? '127.0.0.1',
      stateDir: resolve(values['--state-dir'] ?? '.sandbox'),
      timeScale,
      persistence,
      statementHeader,
      notificationAssociatedData,
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
