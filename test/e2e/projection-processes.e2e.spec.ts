import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../src/adapters/sqlite/event-store';
import type { EventStore } from '../../src/ports';
import { type Proc, waitForOutput } from '../support/processes';
import { appendNote, now, percentile, spawnTsChild } from '../support/two-processes';

/**
 * Two processes on one SQLite log: this one appends, a child projects. SQLite cannot notify another
 * process, so the child's event store polls the file's data_version; this measures how long an
 * append here takes to reach the child's handler, and shows a crash inside the child's commit
 * leaves its table and checkpoint consistent.
 */

const CHILD = join(__dirname, 'fixtures', 'projection-child.ts');
const spawnChild = (args: readonly string[]): Proc => spawnTsChild(CHILD, args);

describe('a projection in another process on the same SQLite log', () => {
  let dir: string;
  let logDb: SqliteDatabase;
  let store: EventStore;
  const children: Proc[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-two-processes-'));
    logDb = openSqliteDatabase(join(dir, 'events.db'));
    store = createSqliteEventStore(logDb);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGTERM');
        await c.exited;
      }
    }
    await store.close();
    logDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wakes on the parent’s appends within a bounded delay', async () => {
    await appendNote(store, 'before');
    const child = spawnChild([join(dir, 'events.db'), join(dir, 'platform.db')]);
    children.push(child);
    await waitForOutput(child, /caught-up/, 30_000);
    expect(child.output()).toContain('delivered before');

    const delays: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      // Appends land at varied points of the child's poll cycle (not right after a wake-up).
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
      `cross-process delivery delay over ${sorted.length} appends (poll 50 ms): ` +
        `median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
    // The poll interval plus a read and a commit; generous for a loaded CI machine.
    expect(max).toBeLessThan(1_000);
    expect(median).toBeLessThan(200);
  });

  it('keeps rows and checkpoint together when the child dies inside its commit, and resumes after it', async () => {
    const positions = [
      await appendNote(store, 'one'),
      await appendNote(store, 'boom'),
      await appendNote(store, 'three'),
    ];
    const platformPath = join(dir, 'platform.db');
    const crashing = spawnChild([join(dir, 'events.db'), platformPath, 'boom']);
    children.push(crashing);
    await crashing.exited;
    expect(crashing.child.signalCode).toBe('SIGKILL');

    const platform = openSqliteDatabase(platformPath);
    try {
      const seen = () => platform.prepare('SELECT reason FROM seen ORDER BY position').pluck().all();
      const checkpoint = () =>
        platform
          .prepare("SELECT position FROM projection_checkpoints WHERE projection = 'seen'")
          .pluck()
          .get();
      // The row written just before the kill is gone; whatever was kept, its checkpoint was kept with it.
      expect(seen()).not.toContain('boom');
      expect(checkpoint() ?? null).toBe(seen().length === 0 ? null : positions[seen().length - 1]);

      const resumed = spawnChild([join(dir, 'events.db'), platformPath]);
      children.push(resumed);
      await waitForOutput(resumed, /caught-up/, 30_000);
      expect(seen()).toEqual(['one', 'boom', 'three']);
      expect(checkpoint()).toBe(positions[2]);
    } finally {
      platform.close();
    }
  });
});
