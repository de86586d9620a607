/**
 * Event store throughput on PostgreSQL, every figure from one run, against a baseline measured in
 * the same run on the same server: raw single-row INSERT transactions through the same pool.
 * The server is WPG_BENCH_POSTGRES_URL when set, or a throwaway local one started with fsync ON
 * (the tests' server runs with fsync off), in a temp dir beside the client: both share the cores.
 *
 *   npm run bench -- store-postgresql
 */
import { availableParallelism, loadavg } from 'node:os';
import * as E from 'fp-ts/Either';
import type { Pool } from 'pg';
import { createPostgresEventStore, createPostgresPool } from '../src/adapters/postgresql';
import type { EventStore } from '../src/ports/event-store';
import { APPENDERS, STREAMS, anEvent, expectedAt, mustAppend, seconds, streamOf } from './_store-workload';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres';

const TOTAL_EVENTS = 20_000;
const SINGLE_SAMPLE = 2_000;

const baselineRawTransactions = async (pool: Pool): Promise<number> => {
  await pool.query('CREATE TABLE raw_events (position bigserial PRIMARY KEY, stream_id text, data json)');
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE_SAMPLE; i += 1)
    await pool.query('INSERT INTO raw_events (stream_id, data) VALUES ($1, $2)', [
      streamOf(i),
      JSON.stringify(anEvent(i).data),
    ]);
  return SINGLE_SAMPLE / seconds(start);
};

const singleAppends = async (pool: Pool): Promise<number> => {
  const store = createPostgresEventStore(pool);
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE_SAMPLE; i += 1) await mustAppend(store, i, expectedAt(i));
  const rate = SINGLE_SAMPLE / seconds(start);
  await store.close();
  return rate;
};

const groupedAppends = async (pool: Pool) => {
  let groups = 0;
  const store = createPostgresEventStore(pool, { onGroupCommitted: () => (groups += 1) });
  let next = 0;
  const appender = async (): Promise<void> => {
    for (let i = next++; i < TOTAL_EVENTS; i = next++) await mustAppend(store, i, expectedAt(i));
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: APPENDERS }, appender));
  const rate = TOTAL_EVENTS / seconds(start);
  return { rate, groups, store };
};

const fullRead = async (store: EventStore): Promise<number> => {
  let count = 0;
  let from: number | undefined;
  const start = process.hrtime.bigint();
  for (;;) {
    const page = await store.readAll(
      from === undefined ? { maxCount: 1_000 } : { fromPosition: from, maxCount: 1_000 },
    )();
    if (E.isLeft(page)) throw new Error(page.left.message);
    if (page.right.length === 0) break;
    count += page.right.length;
    from = page.right[page.right.length - 1]?.position;
  }
  return count / seconds(start);
};

const perSecond = (n: number): string => `${Math.round(n).toLocaleString('en-US')}/s`;
const row = (figure: string, value: string, ratio: string): string =>
  `| ${figure.padEnd(58)} | ${value.padStart(12)} | ${ratio.padStart(9)} |`;

export async function run(): Promise<void> {
  const external = process.env['WPG_BENCH_POSTGRES_URL'];
  let server: TestPostgres | undefined;
  const url = external ?? (await (server = await startTestPostgres({ durable: true })).createDatabase());
  // Two pools: the single-append figures take one connection at a time, the grouped ones one per group.
  const pool = createPostgresPool(url);
  try {
    const baseline = await baselineRawTransactions(pool);
    const single = await singleAppends(pool);
    await pool.query('TRUNCATE wpg_events');
    const grouped = await groupedAppends(pool);
    const read = await fullRead(grouped.store);
    await grouped.store.close();
    console.log(
      `${TOTAL_EVENTS.toLocaleString('en-US')} events over ${STREAMS} streams, ${APPENDERS} concurrent appenders, on ` +
        `${external === undefined ? 'a local server started for the run (fsync on)' : 'WPG_BENCH_POSTGRES_URL'}`,
    );
    console.log(
      `load average ${loadavg()[0]?.toFixed(1) ?? '?'} on ${availableParallelism()} cores at the end of the run\n`,
    );
    console.log(row('figure', 'value', 'vs raw'));
    console.log(row('-'.repeat(58), '-'.repeat(12), '-'.repeat(9)));
    console.log(row('raw single-row INSERT transactions (baseline)', perSecond(baseline), '1.00×'));
    console.log(
      row('adapter appends, one at a time', perSecond(single), `${(single / baseline).toFixed(2)}×`),
    );
    console.log(
      row(
        `adapter appends, ${APPENDERS} concurrent (group commit)`,
        perSecond(grouped.rate),
        `${(grouped.rate / baseline).toFixed(2)}×`,
      ),
    );
    console.log(row('appends per group commit (mean)', (TOTAL_EVENTS / grouped.groups).toFixed(1), ''));
    console.log(row('readAll, pages of 1,000', perSecond(read), ''));
  } finally {
    await pool.end();
    await server?.stop();
  }
}
