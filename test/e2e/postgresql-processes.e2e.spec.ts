import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from 'pg';
import { createPostgresEventStore, createPostgresPool } from '../../src/adapters/postgresql';
import type { EventStore } from '../../src/ports';
import { usePostgres } from '../support/postgres';
import { type Proc, waitForOutput } from '../support/processes';
import { appendNote, now, percentile, spawnTsChild } from '../support/two-processes';

/**
 * Two processes on one PostgreSQL log: this one appends, a child projects. The child's subscription
 * sleeps until a NOTIFY from this process's commit; this measures how long an append here takes to
 * reach the child's handler, and shows a crash inside the child's commit leaves its table and
 * checkpoint consistent.
 */
jest.setTimeout(120_000);

const server = usePostgres();
const CHILD = join(__dirname, 'fixtures', 'postgresql-projection-child.ts');
const spawnChild = (args: readonly string[]): Proc => spawnTsChild(CHILD, args);

describe('a projection in another process on the same PostgreSQL log', () => {
  let url: string;
  let pool: Pool;
  let store: EventStore;
  const children: Proc[] = [];
  beforeEach(async () => {
    url = await server().createDatabase();
    pool = createPostgresPool(url);
    await pool.query('CREATE TABLE seen (position bigint PRIMARY KEY, reason text NOT NULL)');
    store = createPostgresEventStore(pool);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGTERM');
        await c.exited;
      }
    }
    await store.close();
    await pool.end();
    await server().dropDatabase(url);
  });
  const seen = async () =>
    (await pool.query<{ reason: string }>('SELECT reason FROM seen ORDER BY position')).rows.map(
      (r) => r.reason,
    );
  const checkpoint = async () => {
    const rows = await pool.query<{ position: string }>(
      "SELECT position FROM wpg_projection_checkpoints WHERE projection = 'seen'",
    );
    return rows.rows[0] === undefined ? null : Number(rows.rows[0].position);
  };

  it('wakes on the parent’s appends through LISTEN/NOTIFY', async () => {
    await appendNote(store, 'before');
    const child = spawnChild([url]);
    children.push(child);
    await waitForOutput(child, /caught-up/, 30_000);
    expect(child.output()).toContain('delivered before');

    const delays: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      await delay((i * 17) % 60);
      const reason = `live${i}`;
      await appendNote(store, reason);
      const committedAt = now();
      const [, at] = await waitForOutput(child, new RegExp(`delivered ${reason} ([0-9.]+)`), 10_000);
      delays.push(Number(at) - committedAt);
    }
    const sorted = [...delays].sort((a, b) => a - b);
    const [median, p95, max] = [
      percentile(sorted, 50),
      percentile(sorted, 95),
      sorted[sorted.length - 1] ?? NaN,
    ];
    console.log(
      `cross-process delivery delay over ${sorted.length} appends (LISTEN/NOTIFY): ` +
        `median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
    // No poll: a notification, a read and a commit. Generous for a loaded CI machine.
    expect(max).toBeLessThan(1_000);
    expect(median).toBeLessThan(200);
  });

  it('keeps rows and checkpoint together when the child dies inside its commit, and resumes after it', async () => {
    const positions = [
      await appendNote(store, 'one'),
      await appendNote(store, 'boom'),
      await appendNote(store, 'three'),
    ];
    const crashing = spawnChild([url, 'boom']);
    children.push(crashing);
    await crashing.exited;
    expect(crashing.child.signalCode).toBe('SIGKILL');

    // The server rolls back the transaction of the connection that died: the row written just before
    // the kill is gone, and whatever was kept, its checkpoint was kept with it.
    expect(await seen()).not.toContain('boom');
    const kept = await seen();
    expect(await checkpoint()).toBe(kept.length === 0 ? null : positions[kept.length - 1]);

    const resumed = spawnChild([url]);
    children.push(resumed);
    await waitForOutput(resumed, /caught-up/, 30_000);
    expect(await seen()).toEqual(['one', 'boom', 'three']);
    expect(await checkpoint()).toBe(positions[2]);
  });
});
