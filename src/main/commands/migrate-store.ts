import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as E from 'fp-ts/Either';
import { SAGA_LEASES_STREAM, type EventStore, type RecordedEvent } from '../../ports';
import { checkConnectionString, createEventStoreDbEventStore } from '../../adapters/eventstoredb';
import { createMemoryEventStore } from '../../adapters/memory/event-store';
import { createPostgresEventStore, createPostgresPool } from '../../adapters/postgresql';
import { openSqliteDatabase } from '../../adapters/sqlite/database';
import { createSqliteEventStore } from '../../adapters/sqlite/event-store';
import { parseEventStoreSetting } from '../event-store-setting';

const HELP = `wpg migrate-store --from <store> --to <store> — copy the whole event log to another store

<store> is a WPG_EVENT_STORE value: sqlite:<path>, esdb://… (or esdb+discover://…),
postgresql://… (or postgres://…), or memory.

The log is copied in global order, stream by stream, keeping every event's revision and id: each
append carries the exact expected revision, so the target ends up with the same streams and the
same global order. A re-run after an interruption skips what is already there; an event that
differs from the source at the same revision stops the copy with exit code 1. The saga lease table
(stream ${SAGA_LEASES_STREAM}) is not copied: it names the source's instances, not the business.

Stop the service first: events written to the source during the copy may be missed.
Exit codes: 0 copied, 1 the copy failed, 2 bad usage or setting.
`;

type Setting =
  | { kind: 'sqlite'; path: string }
  | { kind: 'esdb'; connectionString: string }
  | { kind: 'postgresql'; connectionString: string }
  | { kind: 'memory' };

export interface MigrationProgress {
  readonly events: number;
  readonly streams: number;
  readonly position: number;
}

/** Pages of this many events keep memory flat whatever the size of the log. */
const PAGE = 500;

/** Consecutive events of one stream in global order: one original append, copied as one. */
const runsByStream = (events: readonly RecordedEvent[]): RecordedEvent[][] => {
  const runs: RecordedEvent[][] = [];
  for (const event of events) {
    const run = runs[runs.length - 1];
    const previous = run?.[run.length - 1];
    if (
      run !== undefined &&
      previous?.streamId === event.streamId &&
      previous.revision + 1 === event.revision
    )
      run.push(event);
    else runs.push([event]);
  }
  return runs;
};

const describeEvent = (e: RecordedEvent): string => `${e.streamId}@${e.revision}`;

/**
 * Appends one run at its exact revisions. When the target refuses the expectation, the run may
 * already be there, in whole or in part, from an interrupted copy that paged differently: the
 * events present must be the source's (same ids), and only the missing tail is appended.
 */
const copyRun = async (
  target: EventStore,
  run: readonly RecordedEvent[],
): Promise<E.Either<string, void>> => {
  const [first] = run;
  if (first === undefined) return E.right(undefined);
  const toAppend = (events: readonly RecordedEvent[]) =>
    events.map(({ id, type, data, metadata }) => ({ id, type, data, metadata }));
  const expectedBefore = (revision: number) => (revision === 0 ? ('no-stream' as const) : revision - 1);
  const appended = await target.append(first.streamId, toAppend(run), expectedBefore(first.revision))();
  if (E.isRight(appended)) return E.right(undefined);
  if (appended.left._tag === 'StoreUnavailable')
    return E.left(`writing ${describeEvent(first)}: ${appended.left.message}`);

  const present = await target.readStream(first.streamId, {
    fromRevision: first.revision,
    maxCount: run.length,
  })();
  const existing = E.isRight(present) ? present.right : [];
  if (E.isLeft(present) && present.left._tag === 'StoreUnavailable')
    return E.left(`reading ${describeEvent(first)}: ${present.left.message}`);
  if (existing.length === 0) {
    return E.left(
      `the target's stream ${first.streamId} is not at revision ${first.revision - 1} (it is at ${String(appended.left.actual)}): it is not a copy of the source`,
    );
  }
  for (const [i, event] of existing.entries()) {
    const expected = run[i];
    if (expected !== undefined && event.id !== expected.id) {
      return E.left(
        `the target holds a different event at ${describeEvent(event)} (id ${event.id}, source ${expected.id}): it is not a copy of the source`,
      );
    }
  }
  const missing = run.slice(existing.length);
  const [next] = missing;
  if (next === undefined) return E.right(undefined);
  const rest = await target.append(next.streamId, toAppend(missing), expectedBefore(next.revision))();
  return E.isRight(rest)
    ? E.right(undefined)
    : E.left(`writing ${describeEvent(next)}: ${JSON.stringify(rest.left)}`);
};

/**
 * Copies the source's whole log into the target, in global order, idempotently. The lease table is
 * left behind: its leases belong to the source's instances, and a target that already ran a service
 * has a lease stream of its own, which a copy would collide with.
 */
export const copyLog = async (
  source: EventStore,
  target: EventStore,
  onProgress: (progress: MigrationProgress) => void = () => undefined,
): Promise<E.Either<string, MigrationProgress>> => {
  const streams = new Set<string>();
  let progress: MigrationProgress = { events: 0, streams: 0, position: -1 };
  for (;;) {
    const page = await source.readAll(
      progress.position < 0 ? { maxCount: PAGE } : { fromPosition: progress.position, maxCount: PAGE },
    )();
    if (E.isLeft(page)) return E.left(`reading the source: ${page.left.message}`);
    const last = page.right[page.right.length - 1];
    if (last === undefined) return E.right(progress);
    const copied = page.right.filter((e) => e.streamId !== SAGA_LEASES_STREAM);
    for (const run of runsByStream(copied)) {
      const done = await copyRun(target, run);
      if (E.isLeft(done)) return done;
      for (const event of run) streams.add(event.streamId);
    }
    progress = {
      events: progress.events + copied.length,
      streams: streams.size,
      position: last.position,
    };
    onProgress(progress);
  }
};

interface OpenedStore {
  readonly store: EventStore;
  readonly close: () => Promise<void>;
}

const openStore = (setting: Setting): OpenedStore => {
  switch (setting.kind) {
    case 'memory': {
      const store = createMemoryEventStore();
      return { store, close: () => store.close() };
    }
    case 'sqlite': {
      const db = openSqliteDatabase(setting.path);
      const store = createSqliteEventStore(db);
      return {
        store,
        close: async () => {
          await store.close();
          if (db.open) db.close();
        },
      };
    }
    case 'esdb': {
      const store = createEventStoreDbEventStore(setting.connectionString);
      return { store, close: () => store.close() };
    }
    case 'postgresql': {
      const pool = createPostgresPool(setting.connectionString);
      const store = createPostgresEventStore(pool);
      return {
        store,
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    }
  }
};

/** Names a store for the terminal without the credentials a connection string may carry. */
const describeSetting = (setting: Setting): string => {
  switch (setting.kind) {
    case 'memory':
      return 'memory';
    case 'sqlite':
      return `sqlite:${setting.path}`;
    case 'esdb':
    case 'postgresql':
      return setting.connectionString.replace(/\/\/[^@/]*@/, '//***@');
  }
};

const parseArgs = (argv: readonly string[]): E.Either<string, { from: string; to: string }> => {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flag !== '--from' && flag !== '--to') return E.left(`unknown argument: ${arg}`);
    const value = inline ?? argv[(i += 1)];
    if (value === undefined || value === '') return E.left(`${flag} needs a value`);
    values[flag] = value;
  }
  const { '--from': from, '--to': to } = values;
  if (from === undefined || to === undefined) return E.left('both --from and --to are required');
  return E.right({ from, to });
};

export async function migrateStoreCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const usage = (message: string): number => {
    process.stderr.write(`wpg migrate-store: ${message}\n\n${HELP}`);
    return 2;
  };
  const args = parseArgs(argv);
  if (E.isLeft(args)) return usage(args.left);
  const dataDir = resolve(process.cwd(), process.env['WPG_DATA_DIR'] ?? './data');
  const from = parseEventStoreSetting(args.right.from, dataDir);
  if (E.isLeft(from)) return usage(`--from: ${from.left}`);
  const to = parseEventStoreSetting(args.right.to, dataDir);
  if (E.isLeft(to)) return usage(`--to: ${to.left}`);
  if (JSON.stringify(from.right) === JSON.stringify(to.right))
    return usage('--from and --to name the same store');
  for (const [flag, setting] of [
    ['--from', from.right],
    ['--to', to.right],
  ] as const) {
    const checked =
      setting.kind === 'esdb' ? checkConnectionString(setting.connectionString) : E.right(undefined);
    if (E.isLeft(checked)) return usage(`${flag}: ${checked.left}`);
  }
  if (from.right.kind === 'sqlite' && !existsSync(from.right.path))
    return usage(`--from: no such file: ${from.right.path}`);

  const source = openStore(from.right);
  const target = openStore(to.right);
  const isTty = process.stderr.isTTY === true;
  try {
    for (const [flag, opened] of [
      ['--from', source],
      ['--to', target],
    ] as const) {
      const ready = await opened.store.ping()();
      if (E.isLeft(ready)) {
        process.stderr.write(`wpg migrate-store: ${flag} store unavailable: ${ready.left.message}\n`);
        return 1;
      }
    }
    const result = await copyLog(source.store, target.store, (p) => {
      if (isTty)
        process.stderr.write(`\rcopied ${p.events} events of ${p.streams} streams (position ${p.position})`);
    });
    if (isTty) process.stderr.write('\n');
    if (E.isLeft(result)) {
      process.stderr.write(`wpg migrate-store: ${result.left}\n`);
      return 1;
    }
    const { events, streams } = result.right;
    process.stdout.write(
      `copied ${events} events of ${streams} streams from ${describeSetting(from.right)} to ${describeSetting(to.right)}\n`,
    );
    return 0;
  } finally {
    await source.close();
    await target.close();
  }
}
