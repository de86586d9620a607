import * as E from 'fp-ts/Either';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatReconciliation } from '../../application';
import type { ReconciliationView } from '../../ports';
import { loadConfig } from '../config';
import { wantsHelp } from './offline';

/**
 * Commands that need WeChat (reconcile, settlements) ask the running service through its merchant
 * API: the service holds the gateway, its certificates and (in sandbox mode) the sandbox itself.
 */
const target = (): E.Either<string, { url: string; token: string }> => {
  const config = loadConfig(process.env);
  if (E.isLeft(config)) return E.left(config.left.join('; '));
  const url = process.env['WPG_URL'] ?? `http://${config.right.host}:${config.right.port}`;
  const tokenFile = join(config.right.dataDir, 'api-token');
  const token =
    config.right.apiToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  return token === undefined
    ? E.left('no API token: set WPG_API_TOKEN or start the service once')
    : E.right({ url, token });
};

type WireLine = Record<string, unknown> &
  Pick<ReconciliationView['lines'][number], 'kind' | 'classification'>;
interface WireReconciliation {
  readonly sp_mchid: string;
  readonly date: ReconciliationView['date'];
  readonly statement_sha1: string;
  readonly reconciled_at: string;
  readonly counts: ReconciliationView['counts'];
  readonly lines: readonly WireLine[];
  readonly unknown_columns?: readonly string[];
}

/** The merchant API speaks WeChat's snake_case; the formatter takes the core's view. */
const reconciliationFromJson = (r: WireReconciliation): ReconciliationView => ({
  spMchid: r.sp_mchid,
  date: r.date,
  statementSha1: r.statement_sha1,
  reconciledAt: r.reconciled_at,
  counts: r.counts,
  ...(r.unknown_columns === undefined ? {} : { unknownColumns: r.unknown_columns }),
  lines: r.lines.map((l) => {
    const text = (key: string): Record<string, string> =>
      typeof l[key] === 'string' ? { [camel(key)]: String(l[key]) } : {};
    return {
      kind: l.kind,
      classification: l.classification,
      subMchid: String(l['sub_mchid'] ?? ''),
      ...text('out_trade_no'),
      ...text('transaction_id'),
      ...text('out_refund_no'),
      ...text('refund_id'),
      ...(l['ours'] ? { ours: l['ours'] as NonNullable<ReconciliationView['lines'][number]['ours']> } : {}),
      ...(l['theirs']
        ? { theirs: l['theirs'] as NonNullable<ReconciliationView['lines'][number]['theirs']> }
        : {}),
    };
  }),
});

const camel = (snake: string): string => snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

const call = async (method: string, path: string): Promise<number> => {
  const t = target();
  if (E.isLeft(t)) {
    process.stderr.write(`${t.left}\n`);
    return 2;
  }
  let response: Response;
  try {
    response = await fetch(`${t.right.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.right.token}` },
    });
  } catch (e) {
    process.stderr.write(
      `cannot reach the service at ${t.right.url} (is \`wpg start\` running?): ${String(e)}\n`,
    );
    return 1;
  }
  const body: unknown = await response.json();
  if (!response.ok) {
    process.stderr.write(`${response.status} ${JSON.stringify(body, null, 2)}\n`);
    return 1;
  }
  process.stdout.write(
    path.startsWith('/v1/reconciliations')
      ? `${formatReconciliation(reconciliationFromJson(body as WireReconciliation))}\n`
      : `${JSON.stringify(body, null, 2)}\n`,
  );
  return 0;
};

export const reconcileCommand = async (argv: readonly string[]): Promise<number> => {
  const date = argv.find((a) => /^[0-9]{8}$/.test(a));
  if (wantsHelp(argv) || date === undefined) {
    process.stdout.write(
      `wpg reconcile <yyyyMMdd> [--show] — download that day's statement and match it (through the running service)\n`,
    );
    return wantsHelp(argv) ? 0 : 2;
  }
  return call(argv.includes('--show') ? 'GET' : 'POST', `/v1/reconciliations/${date}`);
};

export const settlementsCommand = async (argv: readonly string[]): Promise<number> => {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const state = arg('--state') ?? 'UNSETTLE';
  if (wantsHelp(argv) || !['SETTLED', 'UNSETTLE'].includes(state)) {
    process.stdout.write(
      `wpg settlements [--state SETTLED|UNSETTLE] [--from yyyyMMdd --to yyyyMMdd] [--sub-mchid N]\n`,
    );
    return wantsHelp(argv) ? 0 : 2;
  }
  const query = new URLSearchParams({ settle_state: state });
  for (const [flag, name] of [
    ['--from', 'start_date'],
    ['--to', 'end_date'],
    ['--sub-mchid', 'sub_mchid'],
  ] as const) {
    const v = arg(flag);
    if (v !== undefined) query.set(name, v);
  }
  return call('GET', `/v1/settlements?${query.toString()}`);
};
