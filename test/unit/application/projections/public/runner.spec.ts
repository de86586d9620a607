import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { createMemoryCheckpointStore } from '../../../../../src/adapters/memory/checkpoint-store';
import { createMemoryEventStore } from '../../../../../src/adapters/memory/event-store';
import { openSqliteDatabase, type SqliteDatabase } from '../../../../../src/adapters/sqlite/database';
import { createSqliteCheckpointStore } from '../../../../../src/adapters/sqlite/projection-checkpoints';
import {
  defineProjection,
  projectionsHealth,
  runProjection,
  type PublicEvent,
  type RunningProjection,
} from '../../../../../src/application/projections/public';
import { noMetrics } from '../../../../../src/ports';
import { appendCorrupt, appendNotes, recordingMetrics, until } from './support';

const reasonOf = (event: PublicEvent): string =>
  event.type === 'NotificationUnmatched' ? event.data.reason : event.type;

describe('runProjection', () => {
  const running: RunningProjection[] = [];
  const track = (p: RunningProjection): RunningProjection => {
    running.push(p);
    return p;
  };
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-public-projection-'));
    db = openSqliteDatabase(join(dir, 'platform.db'));
    db.exec('CREATE TABLE seen (position INTEGER PRIMARY KEY, reason TEXT NOT NULL)');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A platform table fed in the checkpoint's transaction; `failOn` makes the handler throw after writing. */
  const seenTable = (failOn: { reason?: string } = {}) =>
    defineProjection<SqliteDatabase>({
      name: 'seen',
      handle: (event, tx) => {
        tx.prepare('INSERT INTO seen (position, reason) VALUES (?, ?)').run(event.position, reasonOf(event));
        if (reasonOf(event) === failOn.reason) throw new Error(`cannot take ${failOn.reason}`);
      },
      reset: (tx) => void tx.exec('DELETE FROM seen'),
    });
  const seenRows = (): { position: number; reason: string }[] =>
    db.prepare('SELECT position, reason FROM seen ORDER BY position').all() as {
      position: number;
      reason: string;
    }[];
  const storedCheckpoint = (): number | undefined =>
    (
      db.prepare("SELECT position FROM projection_checkpoints WHERE projection = 'seen'").get() as
        { position: number } | undefined
    )?.position;

  it('catches up from the log, then follows new events, each with its stream identity and place in the log', async () => {
    const store = createMemoryEventStore();
    const [first, , third] = await appendNotes(store, 'a', 'b', 'c');
    const delivered: PublicEvent[] = [];
    const p = track(
      runProjection(
        { store, checkpoints: createMemoryCheckpointStore() },
        { name: 'all', handle: (e) => void delivered.push(e) },
      ),
    );

    await p.whenCaughtUp();
    expect(delivered.map(reasonOf)).toEqual(['a', 'b', 'c']);
    expect(p.status()).toEqual({ status: 'caught-up', checkpoint: third });
    expect(delivered[0]).toMatchObject({
      kind: 'notification',
      type: 'NotificationUnmatched',
      stream: { kind: 'notification', notificationId: 'a' },
      streamId: 'notification-a',
      position: first,
      revision: 0,
      metadata: { actor: 'test' },
    });
    expect(delivered[0]?.id).toMatch(/^[0-9a-f-]{36}$/);

    const [, last] = await appendNotes(store, 'd', 'e');
    await p.waitForPosition(last as number);
    expect(delivered.map(reasonOf)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(p.status()).toEqual({ status: 'caught-up', checkpoint: last });
  });

  it('delivers only the listed types and still moves its checkpoint past the others', async () => {
    const store = createMemoryEventStore();
    const [last] = (await appendNotes(store, 'a', 'b')).slice(-1);
    const handled: string[] = [];
    const p = track(
      runProjection(
        { store, checkpoints: createMemoryCheckpointStore() },
        defineProjection<undefined, 'OrderSubmitted'>({
          name: 'orders-only',
          handles: ['OrderSubmitted'],
          handle: (e) => void handled.push(e.data.outTradeNo),
        }),
      ),
    );
    await p.whenCaughtUp();
    expect(handled).toEqual([]);
    expect(p.status().checkpoint).toBe(last);
  });

  it('writes the read model and the checkpoint in one SQLite transaction, and a restart continues after it', async () => {
    const store = createMemoryEventStore();
    const positions = await appendNotes(store, 'a', 'b', 'c');
    const first = track(runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, seenTable()));
    await first.whenCaughtUp();
    await first.stop();
    expect(seenRows().map((r) => r.reason)).toEqual(['a', 'b', 'c']);
    expect(storedCheckpoint()).toBe(positions[2]);

    // A new process would do exactly this: the same database, a new runner.
    const [d] = await appendNotes(store, 'd');
    const second = track(runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, seenTable()));
    await second.waitForPosition(d as number);
    expect(seenRows().map((r) => r.reason)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps nothing of the failing event, and stops with its checkpoint right before it', async () => {
    const store = createMemoryEventStore();
    const [a] = await appendNotes(store, 'a');
    const p = track(
      runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, seenTable({ reason: 'c' })),
    );
    await p.whenCaughtUp();
    // One batch: b is written, then c's handler writes its row and throws; the batch rolls back
    // and b is committed again alone.
    const [b, c] = await appendNotes(store, 'b', 'c');
    await until(() => p.status().status === 'failed');

    expect(a).toBeLessThan(b as number);
    expect(seenRows().map((r) => r.reason)).toEqual(['a', 'b']);
    expect(storedCheckpoint()).toBe(b);
    expect(p.status()).toMatchObject({
      status: 'failed',
      checkpoint: b,
      failure: { position: c, message: 'handler failed: cannot take c' },
    });
  });

  it('rolls the handler back when the checkpoint cannot be written after it', async () => {
    const store = createMemoryEventStore();
    const [a, b] = await appendNotes(store, 'a', 'b');
    createSqliteCheckpointStore(db);
    // As a full disk would: the handler's insert succeeds, the checkpoint's write fails.
    db.exec(`CREATE TRIGGER refuse_b BEFORE UPDATE ON projection_checkpoints
             WHEN NEW.position = ${String(b)} BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    const p = track(
      runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, seenTable(), { maxBatch: 1 }),
    );
    await until(() => p.status().status === 'failed');

    expect(seenRows().map((r) => r.reason)).toEqual(['a']);
    expect(storedCheckpoint()).toBe(a);
    expect(p.status()).toMatchObject({
      status: 'failed',
      failure: { message: expect.stringContaining('disk full') },
    });
  });

  it('is rebuilt from zero: its reset clears the table with the checkpoint, then the log is replayed', async () => {
    const store = createMemoryEventStore();
    await appendNotes(store, 'a', 'b');
    const calls: string[] = [];
    const projection = seenTable();
    const counting = {
      ...projection,
      handle: (e: PublicEvent, tx: SqliteDatabase) => {
        calls.push(reasonOf(e));
        return projection.handle(e, tx);
      },
    };
    const p = track(runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, counting));
    await p.whenCaughtUp();
    db.prepare("INSERT INTO seen (position, reason) VALUES (999, 'stray')").run();

    await p.rebuild();
    await p.whenCaughtUp();
    expect(calls).toEqual(['a', 'b', 'a', 'b']);
    expect(seenRows().map((r) => r.reason)).toEqual(['a', 'b']);
  });

  it('stops only itself when its handler throws, visibly, while the log and other projections go on', async () => {
    const store = createMemoryEventStore();
    const metrics = recordingMetrics();
    let isBroken = true;
    const failing: string[] = [];
    const healthy: string[] = [];
    const checkpoints = createMemoryCheckpointStore();
    const broken = track(
      runProjection(
        { store, checkpoints, metrics },
        {
          name: 'broken',
          handle: (e) => {
            if (isBroken && reasonOf(e) === 'b') throw new Error('bug in the platform');
            failing.push(reasonOf(e));
          },
        },
      ),
    );
    const other = track(
      runProjection(
        { store, checkpoints, metrics: noMetrics },
        { name: 'other', handle: (e) => void healthy.push(reasonOf(e)) },
      ),
    );
    const [a, b] = await appendNotes(store, 'a', 'b', 'c');
    await until(() => broken.status().status === 'failed');

    expect(broken.status()).toEqual({
      status: 'failed',
      checkpoint: a,
      failure: { message: 'handler failed: bug in the platform', position: b, cause: expect.any(Error) },
    });
    expect(metrics.statuses).toContainEqual({ projection: 'broken', status: 'failed' });
    expect(projectionsHealth([broken, other])).toMatchObject({
      isHealthy: false,
      projections: {
        broken: { status: 'failed' },
        other: { status: expect.stringMatching(/running|caught-up/) },
      },
    });
    await expect(broken.whenCaughtUp()).rejects.toThrow(
      'projection broken failed: handler failed: bug in the platform',
    );
    // Payments keep appending, and the other projection keeps following them.
    const [d] = await appendNotes(store, 'd');
    await other.waitForPosition(d as number);
    expect(healthy).toEqual(['a', 'b', 'c', 'd']);
    // At-least-once: a was handled in the batch that failed, then again when the events before b
    // were committed alone (its checkpoint store does not share the handler's transaction).
    expect(failing).toEqual(['a', 'a']);

    // Fixed and restarted: it resumes from its checkpoint, so the failed event comes again first.
    isBroken = false;
    await broken.restart();
    await broken.waitForPosition(d as number);
    await broken.whenCaughtUp();
    expect(failing).toEqual(['a', 'a', 'b', 'c', 'd']);
    expect(broken.status().status).toBe('caught-up');
    expect(projectionsHealth([broken, other]).isHealthy).toBe(true);
    expect(metrics.statuses.map((s) => s.status)).toEqual(['running', 'failed', 'running', 'caught-up']);
  });

  it('stops at an event of a public stream that does not decode, after committing what came before it', async () => {
    const store = createMemoryEventStore();
    const [a] = await appendNotes(store, 'a');
    const bad = await appendCorrupt(store, 'bad');
    await appendNotes(store, 'c');
    const p = track(runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, seenTable()));
    await until(() => p.status().status === 'failed');

    expect(seenRows().map((r) => r.reason)).toEqual(['a']);
    expect(p.status()).toMatchObject({
      status: 'failed',
      checkpoint: a,
      failure: {
        position: bad,
        message: expect.stringContaining('notification-bad: the event does not decode'),
      },
    });
  });

  it('refuses an async handler that would write outside the SQLite transaction', async () => {
    const store = createMemoryEventStore();
    await appendNotes(store, 'a');
    const p = track(
      runProjection(
        { store, checkpoints: createSqliteCheckpointStore(db) },
        {
          name: 'seen',
          handle: async () => undefined,
        },
      ),
    );
    await until(() => p.status().status === 'failed');
    expect(p.status()).toMatchObject({
      failure: { message: expect.stringContaining('must handle events synchronously') },
    });
    expect(storedCheckpoint()).toBeUndefined();
  });

  it('runs an async handler at-least-once with a SQLite checkpoint of its own', async () => {
    const store = createMemoryEventStore();
    const [, b] = await appendNotes(store, 'a', 'b');
    const handled: string[] = [];
    const checkpoints = createSqliteCheckpointStore(db, { inTransaction: false });
    const p = track(
      runProjection(
        { store, checkpoints },
        {
          name: 'seen',
          handle: async (e) => {
            await Promise.resolve();
            handled.push(reasonOf(e));
          },
        },
      ),
    );
    await p.waitForPosition(b as number);
    expect(handled).toEqual(['a', 'b']);
    expect(storedCheckpoint()).toBe(b);
  });

  it('refuses to move a checkpoint that another runner of the same projection moved first', async () => {
    const store = createMemoryEventStore();
    await appendNotes(store, 'a');
    const checkpoints = createSqliteCheckpointStore(db);
    const first = track(runProjection({ store, checkpoints }, seenTable()));
    await first.whenCaughtUp();
    // A second runner starts from the same checkpoint, but the first is ahead of it when it commits.
    const read = await checkpoints.read('seen')();
    expect(read).toEqual(E.right(expect.any(Number)));
    const [b] = await appendNotes(store, 'b');
    await first.waitForPosition(b as number);
    const stale = await checkpoints.commit(
      'seen',
      E.isRight(read) ? read.right : undefined,
      b as number,
      (tx) => void tx.prepare("INSERT INTO seen (position, reason) VALUES (1000, 'duplicate')").run(),
    )();
    expect(stale).toEqual(E.left(expect.objectContaining({ _tag: 'CheckpointMoved' })));
    expect(seenRows().map((r) => r.reason)).toEqual(['a', 'b']);
  });
});
