/**
 * Event store throughput on the embedded SQLite store, every figure from one run on one disk
 * (a temp dir), against a baseline measured in the same run: raw better-sqlite3 single-row
 * transactions with the adapter's durability (WAL + synchronous=FULL, docs/event-stores.md).
 *
 *   npm run bench -- store            (WPG_BENCH_DIR picks another directory, e.g. the data disk)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase } from '../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../src/adapters/sqlite/event-store';
import type { EventStore } from '../src/ports/event-store';
import { APPENDERS, STREAMS, anEvent, expectedAt, mustAppend, seconds, streamOf } from './_store-workload';

const TOTAL_EVENTS = 100_000;
/** fsync-bound figures use a sample, to keep the run near two minutes. */
const SINGLE_SAMPLE = 5_000;

const baselineRawTransactions = (dir: string): number => {
  const db = openSqliteDatabase(join(dir, 'raw.db'));
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
    event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
    UNIQUE (stream_id, revision))`);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const oneRow = db.transaction((i: number) => {
    const e = anEvent(i);
    insert.run(
      streamOf(i),
      Math.floor(i / STREAMS),
      e.id,
      e.type,
      JSON.stringify(e.data),
      JSON.stringify(e.metadata),
      new Date().toISOString(),
    );
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE_SAMPLE; i += 1) oneRow.immediate(i);
  const rate = SINGLE_SAMPLE / seconds(start);
  db.close();
  return rate;
};

const adapterSingleAppends = async (dir: string): Promise<number> => {
  const db = openSqliteDatabase(join(dir, 'single.db'));
  const store = createSqliteEventStore(db);
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE_SAMPLE; i += 1) await mustAppend(store, i, expectedAt(i));
  const rate = SINGLE_SAMPLE / seconds(start);
  await store.close();
  db.close();
  return rate;
};

const groupCommitAppends = async (dir: string) => {
  const db = openSqliteDatabase(join(dir, 'group.db'));
  let groups = 0;
  const store = createSqliteEventStore(db, { onGroupCommitted: () => (groups += 1) });
  let next = 0;
  // Each appender takes the next event number; its stream's previous event was taken
  // STREAMS numbers earlier, long since committed, so the expected revision always holds.
  const appender = async (): Promise<void> => {
    for (let i = next++; i < TOTAL_EVENTS; i = next++) await mustAppend(store, i, expectedAt(i));
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: APPENDERS }, appender));
  const rate = TOTAL_EVENTS / seconds(start);
  return { rate, groups, db, store };
};

const fullRead = async (store: EventStore): Promise<{ rate: number; cpuRate: number; count: number }> => {
  let count = 0;
  let from: number | undefined;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (;;) {
    const page = await store.readAll(
      from === undefined ? { maxCount: 1_000 } : { fromPosition: from, maxCount: 1_000 },
    )();
    if (E.isLeft(page)) throw new Error(page.left.message);
    if (page.right.length === 0) break;
    count += page.right.length;
    from = page.right[page.right.length - 1]?.position;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { rate: count / seconds(start), cpuRate: count / ((cpu.user + cpu.system) / 1e6), count };
};

const row = (figure: string, value: string, ratio: string, target: string): string =>
  `| ${figure.padEnd(62)} | ${value.padStart(14)} | ${ratio.padStart(9)} | ${target.padEnd(26)} |`;
const perSecond = (n: number): string => `${Math.round(n).toLocaleString('en-US')}/s`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(process.env['WPG_BENCH_DIR'] ?? tmpdir(), 'wpg-bench-store-'));
  try {
    const baseline = baselineRawTransactions(dir);
    const single = await adapterSingleAppends(dir);
    const grouped = await groupCommitAppends(dir);
    const read = await fullRead(grouped.store);
    await grouped.store.close();
    grouped.db.close();
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    const where = process.env['WPG_BENCH_DIR'] === undefined ? 'the OS temp dir' : 'WPG_BENCH_DIR';
    console.log(
      `${TOTAL_EVENTS.toLocaleString('en-US')} events over ${STREAMS} streams, in a temp dir under ${where}`,
    );
    // Wall-clock figures move with whatever else runs on the machine, so say how busy it was.
    console.log(
      `load average ${loadavg()[0]?.toFixed(1) ?? '?'} on ${availableParallelism()} cores at the end of the run`,
    );
    console.log(
      `single-append figures use a sample of ${SINGLE_SAMPLE.toLocaleString('en-US')} fsync-bound transactions\n`,
    );
    console.log(row('Figure', 'Value', 'Ratio', 'Target'));
    console.log(row('-'.repeat(62), '-'.repeat(14), '-'.repeat(9), '-'.repeat(26)));
    console.log(
      row('raw better-sqlite3 single-row transactions (WAL, FULL)', perSecond(baseline), '1.00×', 'baseline'),
    );
    console.log(
      row(
        'adapter single-event appends, expected revision',
        perSecond(single),
        `${(single / baseline).toFixed(2)}×`,
        '>= 0.9× baseline',
      ),
    );
    console.log(
      row(
        `adapter appends, ${APPENDERS} concurrent appenders (group commit)`,
        perSecond(grouped.rate),
        `${(grouped.rate / single).toFixed(2)}×`,
        '>= 5× single appends',
      ),
    );
    console.log(
      row(
        `  (${grouped.groups.toLocaleString('en-US')} transactions, ${(TOTAL_EVENTS / grouped.groups).toFixed(1)} appends each)`,
        '',
        '',
        '',
      ),
    );
    console.log(
      row(
        `full read of the global log, decoded (${read.count.toLocaleString('en-US')} events)`,
        perSecond(read.rate),
        `${(read.rate / 100_000).toFixed(2)}×`,
        '>= 100k/s',
      ),
    );
    console.log(
      row(
        "  same read, per second of this process's CPU time",
        perSecond(read.cpuRate),
        `${(read.cpuRate / 100_000).toFixed(2)}×`,
        'load-independent view',
      ),
    );
    console.log(row('peak RSS', `${peakRssMb.toFixed(0)} MB`, '', 'reported'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
