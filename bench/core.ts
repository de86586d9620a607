/**
 * The payment core alone, in this process: `createPayment` with `?wait` through the saga to a final
 * answer, with a gateway that answers every pay at once (no HTTP, no signing). It isolates what
 * event sourcing costs per payment, on the durable embedded store (SQLite, WAL, synchronous=FULL,
 * read models beside it) against the same core on the in-memory store and read models, measured in
 * the same run. The e2e benchmark adds the merchant HTTP API and the signed calls to the sandbox.
 *
 *   npm run bench -- core        (BENCH_CORE_PAYMENTS, BENCH_CORE_CONCURRENCY override the sizes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase } from '../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../src/adapters/sqlite/event-store';
import { createSqliteReadModelStore } from '../src/adapters/sqlite/read-model-store';
import { createMemoryEventStore } from '../src/adapters/memory/event-store';
import { createMemoryReadModelStore } from '../src/adapters/memory/read-model-store';
import type { PaymentCore } from '../src/application';
import { type AuthCode, type OutTradeNo, type SpMchid, type SubMchid } from '../src/domain';
import { createPaymentCore } from '../src/main/embed';
import type { EventStore, NotificationVerifier, ReadModelStore, WeChatPayGateway } from '../src/ports';
import { envInt } from './_env';

const PAYMENTS = envInt('BENCH_CORE_PAYMENTS', 3_000);
const CONCURRENCY = envInt('BENCH_CORE_CONCURRENCY', 16);
const WARMUP = 500;
const ROUNDS = 3;

const unused = (): never => {
  throw new Error('not used by this benchmark');
};
/** Answers every pay at once with a successful transaction; nothing else is called. */
const instantGateway = new Proxy({} as WeChatPayGateway, {
  get: (_, operation) =>
    operation === 'pay'
      ? (request: Parameters<WeChatPayGateway['pay']>[0]) => () =>
          Promise.resolve({
            _tag: 'Success',
            value: {
              transactionId: `42000000002026${String(request.outTradeNo).slice(-14).padStart(14, '0')}`,
              subMchid: request.subMchid,
              outTradeNo: request.outTradeNo,
              tradeType: 'MICROPAY',
              tradeState: 'SUCCESS',
              successTime: new Date().toISOString(),
              amount: { total: request.amount.amount, currency: request.amount.currency },
            },
          })
      : operation === 'then'
        ? undefined
        : unused,
});

const SQLITE = 'SQLite (WAL, FULL) + SQLite read models';
const MEMORY = 'in-memory store and read models';

interface Setup {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly close: () => Promise<void>;
}

const sqliteSetup = (): Setup => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-bench-core-'));
  const db = openSqliteDatabase(join(dir, 'events.db'));
  const rdb = openSqliteDatabase(join(dir, 'events.read-models.db'), { synchronous: 'NORMAL' });
  const store = createSqliteEventStore(db);
  return {
    store,
    readModels: createSqliteReadModelStore(rdb),
    close: async () => {
      await store.close();
      db.close();
      rdb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const memorySetup = (): Setup => ({
  store: createMemoryEventStore(),
  readModels: createMemoryReadModelStore(),
  close: () => Promise.resolve(),
});

let serial = 0;
const pay = async (core: PaymentCore): Promise<void> => {
  serial += 1;
  const result = await core.api.createPayment(
    {
      subMchid: '1900000109' as SubMchid,
      outTradeNo: `CORE${process.pid}T${serial}` as OutTradeNo,
      authCode: `13${String(serial).padStart(16, '0')}` as AuthCode,
      amount: { amount: 100 + (serial % 900), currency: 'HKD' } as never,
      description: 'bench',
    },
    { actor: 'bench', correlationId: `bench-${serial}` },
    10_000,
  )();
  if (E.isLeft(result) || result.right.status !== 'SUCCEEDED')
    throw new Error(`payment ${serial} did not succeed: ${JSON.stringify(result)}`);
};

const closedLoop = async (core: PaymentCore, count: number): Promise<void> => {
  let started = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < count) {
        started += 1;
        await pay(core);
      }
    }),
  );
};

interface Figures {
  readonly perSecond: number;
  readonly cpuMs: number;
}

const measure = async (setup: Setup): Promise<Figures> => {
  const core = createPaymentCore({
    config: { spMchid: '1900000100' as SpMchid },
    ports: {
      gateway: instantGateway,
      verifier: {} as NotificationVerifier,
      store: setup.store,
      readModels: setup.readModels,
    },
  });
  await core.start();
  try {
    await closedLoop(core, WARMUP);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await closedLoop(core, PAYMENTS);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { perSecond: (PAYMENTS / wallMs) * 1000, cpuMs: (used.user + used.system) / 1000 / PAYMENTS };
  } finally {
    await core.stop();
    await setup.close();
  }
};

export async function run(): Promise<void> {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${CONCURRENCY} payments in flight; ${WARMUP} warm-up then ${PAYMENTS} payments ` +
      `per store, ${ROUNDS} alternating rounds (best round shown)`,
  );
  const rounds = { sqlite: [] as Figures[], memory: [] as Figures[] };
  for (let r = 0; r < ROUNDS; r += 1) {
    rounds.sqlite.push(await measure(sqliteSetup()));
    rounds.memory.push(await measure(memorySetup()));
  }
  const top = (runs: Figures[]): Figures =>
    runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a), runs[0] ?? { perSecond: 0, cpuMs: 0 });
  const sqlite = top(rounds.sqlite);
  const memory = top(rounds.memory);
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  console.log(
    [
      '',
      row(['core on', 'payments/s', 'CPU ms per payment']),
      row(['---', '---:', '---:']),
      row([SQLITE, sqlite.perSecond.toFixed(0), sqlite.cpuMs.toFixed(3)]),
      row([`${MEMORY} (baseline)`, memory.perSecond.toFixed(0), memory.cpuMs.toFixed(3)]),
      '',
      `ratio durable/in-memory: ${(sqlite.perSecond / memory.perSecond).toFixed(2)}× payments/s, ` +
        `${(sqlite.cpuMs / memory.cpuMs).toFixed(2)}× CPU per payment`,
    ].join('\n'),
  );
}
