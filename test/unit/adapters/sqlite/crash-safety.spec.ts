import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase } from '../../../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../../../src/adapters/sqlite/event-store';

interface Ack {
  streamId: string;
  revision: number;
  id: string;
  position: number;
}

describe('sqlite event store after a crash', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wpg-crash-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a process killed mid-append loses no acknowledged event and leaves a consistent log', async () => {
    const path = join(dir, 'events.db');
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(require.resolve('tsx')).href,
        join(__dirname, 'fixtures', 'crash-writer.ts'),
        path,
        '400',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.signal).toBe('SIGKILL');
    const acks = child.stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Ack);
    expect(acks.length).toBeGreaterThanOrEqual(400);

    const db = openSqliteDatabase(path);
    const store = createSqliteEventStore(db);
    const log = await store.readAll()();
    if (E.isLeft(log)) throw new Error(log.left.message);
    const byId = new Map(log.right.map((e) => [e.id, e]));
    for (const ack of acks) {
      expect(byId.get(ack.id)).toMatchObject({
        streamId: ack.streamId,
        revision: ack.revision,
        position: ack.position,
      });
    }
    const revisions = new Map<string, number[]>();
    for (const e of log.right) revisions.set(e.streamId, [...(revisions.get(e.streamId) ?? []), e.revision]);
    for (const list of revisions.values()) expect(list).toEqual(list.map((_, i) => i));
    const metadata = {
      correlationId: 'c',
      causationId: 'c',
      recordedAt: 'now',
      actor: 'test',
      schemaVersion: 1,
    };
    const next = await store.append(
      'crash-0',
      [{ id: 'after-restart', type: 'Written', data: {}, metadata }],
      'any',
    )();
    expect(E.isRight(next)).toBe(true);
    await store.close();
    db.close();
  });
});
