import * as E from 'fp-ts/Either';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTimeline, formatReconciliation, formatTimeline } from '../../application';
import { format, unsafeMoney, type StatementDate } from '../../domain';
import { createPinoLogger } from '../../adapters/pino';
import { createScaledClock } from '../../adapters/system';
import { loadConfig } from '../config';
import { type RunningService, startService } from '../service';
import { wantsHelp } from './offline';

const HELP = `wpg demo — a guided tour on a fresh store, with the built-in sandbox

Runs the service in-process (business time ${'×'}20, so WeChat's 30–45 s rules take seconds) and walks
through: an immediate payment; a customer typing a password (USERPAYING, polled until paid); a customer
who never pays (polled, then reversed at the deadline); a partial refund settled by WeChat's
notification; the day's reconciliation (refused while the day is open, then run the next morning, when
WeChat has generated the statement); and the audit timeline of one payment.
`;

const SUB_MCHID = '1900000109';
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const step = (n: number, title: string): void =>
  say(`\n── ${n}. ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);

/** Sandbox auth codes choose the scenario (docs/sandbox.md): wallet 13, scenario SS, seconds NNN, free digits. */
const authCode = (scenario: string, seconds = 0): string =>
  `13${scenario}${String(seconds).padStart(3, '0')}${String(Date.now()).slice(-11)}`;

const request = async <T>(svc: RunningService, method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${svc.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${svc.apiToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
};

type Wire = Record<string, unknown> & { status: string };
const describe = (p: Wire): string =>
  `${String(p['out_refund_no'] ?? p['out_trade_no'])}: ${p.status}` +
  (p['transaction_id'] ? ` (WeChat ${String(p['transaction_id'])})` : '') +
  (p['refund_id'] ? ` (WeChat refund ${String(p['refund_id'])})` : '');

const pay = (svc: RunningService, outTradeNo: string, code: string, total: number, wait: number) =>
  request<Wire>(svc, 'POST', `/v1/payments?wait=${wait}`, {
    sub_mchid: SUB_MCHID,
    out_trade_no: outTradeNo,
    auth_code: code,
    amount: { total, currency: 'HKD' },
    description: 'Demo Coffee - Central',
  });

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
};

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const gmt8DayStart = (date: string): number =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) - 8 * HOUR_MS;

/** Today in GMT+8, yyyyMMdd: statements and settlements use Beijing/Hong Kong calendar days (§5.8). */
const businessDate = (ms: number): string =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

export const demoCommand = async (argv: readonly string[]): Promise<number> => {
  if (wantsHelp(argv)) {
    say(HELP);
    return 0;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'wpg-demo-'));
  const config = loadConfig({
    WPG_DATA_DIR: dataDir,
    WPG_PORT: '0',
    WPG_TIME_SCALE: '20',
    WPG_LOG_LEVEL: 'silent',
  });
  if (E.isLeft(config)) throw new Error(config.left.join('; '));
  // One business clock for the core, the sandbox's own plus the same advances: step 5 moves both to
  // the next morning, when WeChat has generated the day's statement.
  const sandboxClock = createScaledClock(config.right.timeScale);
  let advanced = 0;
  const clock = { now: () => sandboxClock.now() + advanced, scale: sandboxClock.scale };
  const svc = await startService(config.right, {
    logger: createPinoLogger({ level: 'silent' }),
    clock,
    sandboxClock,
  });
  const advance = async (ms: number): Promise<void> => {
    const sandboxUrl = svc.sandbox?.baseUrl ?? '';
    const response = await fetch(`${sandboxUrl}/sandbox/time/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms }),
    });
    if (!response.ok) throw new Error(`sandbox time/advance: ${response.status}`);
    advanced += ms;
  };
  const run = `${Date.now()}`.slice(-8);
  try {
    say(`A fresh store in ${dataDir}; the sandbox answers as WeChat Pay Global would, with real signatures.`);

    step(1, 'An immediate payment');
    const first = await pay(svc, `demo-${run}-1`, authCode('00'), 2800, 10);
    say(`The cashier scans the code and gets an answer at once: ${describe(first)}`);

    step(2, 'The customer types a password (USERPAYING)');
    say('WeChat answers "the user is paying"; the saga polls 5 s later, then every 5 s (business time).');
    const second = await pay(svc, `demo-${run}-2`, authCode('01', 12), 150_000, 20);
    say(`After polling: ${describe(second)}`);

    step(3, 'The customer never pays');
    say(
      'Still unpaid at the 30 s deadline, the saga reverses the order (never earlier than 15 s) and confirms by query.',
    );
    const third = await pay(svc, `demo-${run}-3`, authCode('03'), 4500, 20);
    say(`At the deadline: ${describe(third)}`);

    step(4, 'A partial refund, settled by notification');
    const refund = await request<Wire>(svc, 'POST', `/v1/payments/${SUB_MCHID}/demo-${run}-1/refunds`, {
      out_refund_no: `demo-${run}-1-r1`,
      amount: { refund: 800, currency: 'HKD' },
      reason: 'one drink returned',
    });
    say(`Refund accepted for processing: ${describe(refund)}`);
    const refunded = await waitFor(async () => {
      const r = await request<Wire>(svc, 'GET', `/v1/refunds/${SUB_MCHID}/demo-${run}-1-r1`);
      return r.status === 'SUCCEEDED';
    }, 20_000);
    const payment = await request<Wire>(svc, 'GET', `/v1/payments/${SUB_MCHID}/demo-${run}-1`);
    say(
      refunded
        ? `WeChat's signed, encrypted notification arrived and was verified: refunded ${format(unsafeMoney(Number(payment['refunded_total']), 'HKD'))}`
        : 'The refund is still processing; the saga will keep polling.',
    );

    step(5, "Reconciling the day's statement");
    const date = businessDate(clock.now()) as StatementDate;
    const early = await svc.core.api.reconcile(date, { actor: 'demo', correlationId: `demo-${run}` })();
    say(
      E.isLeft(early) && early.left._tag === 'StatementNotReady'
        ? `Today cannot be reconciled yet: ${early.left.message}.`
        : `Unexpected: ${JSON.stringify(early)}`,
    );
    const nextMorning = gmt8DayStart(date) + DAY_MS + 10 * HOUR_MS + 60_000;
    await advance(nextMorning - clock.now());
    say(`Business time jumps to ${new Date(clock.now() + 8 * HOUR_MS).toISOString().slice(0, 16)} GMT+8:`);
    const reconciliation = await svc.core.api.reconcile(date, {
      actor: 'demo',
      correlationId: `demo-${run}`,
    })();
    say(
      E.isRight(reconciliation)
        ? formatReconciliation(reconciliation.right)
        : `reconciliation unavailable: ${JSON.stringify(reconciliation.left)}`,
    );

    step(6, `The audit timeline of demo-${run}-2`);
    const timeline = await auditTimeline(svc.store, SUB_MCHID, `demo-${run}-2`)();
    say(
      E.isRight(timeline)
        ? formatTimeline(timeline.right)
        : `audit unavailable: ${JSON.stringify(timeline.left)}`,
    );
    say('\nDone. Run the service yourself with `npm start`; README.md describes the merchant API.');
    return 0;
  } finally {
    await svc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
