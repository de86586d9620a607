import * as E from 'fp-ts/Either';
import type { Pool } from 'pg';
import {
  createPostgresCheckpointStore,
  createPostgresEventStore,
  createPostgresPool,
  type PostgresTransaction,
} from '../../src/adapters/postgresql';
import { defineProjection, runProjection } from '../../src/application/projections/public';
import type { EventStore } from '../../src/ports';
import { usePostgres } from '../support/postgres';
import { busyDay } from '../unit/application/projections/scenarios';
import { createWorld } from '../unit/application/projections/world';

/**
 * A platform's projection on PostgreSQL: the core's log in one database, the platform's table and
 * the checkpoint written by the handler in the checkpoint's own transaction (async writes through
 * the transaction's client).
 */
const server = usePostgres();

/** Inserts keyed by the order, so a redelivered event changes nothing. */
const settledOrders = defineProjection<PostgresTransaction>({
  name: 'platform-settled-orders',
  handles: ['OrderSucceeded'],
  handle: async (event, tx) => {
    if (event.stream.kind !== 'order') return;
    await tx.query(
      'INSERT INTO settled_orders (sub_mchid, out_trade_no, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [event.stream.subMchid, event.stream.outTradeNo, event.position],
    );
  },
  reset: async (tx) => void (await tx.query('DELETE FROM settled_orders')),
});

describe('a public projection on PostgreSQL, in the checkpoint’s transaction', () => {
  let url: string;
  let pool: Pool;
  let store: EventStore;
  beforeEach(async () => {
    url = await server().createDatabase();
    pool = createPostgresPool(url);
    await pool.query(
      'CREATE TABLE settled_orders (sub_mchid text, out_trade_no text, position bigint, PRIMARY KEY (sub_mchid, out_trade_no))',
    );
    store = createPostgresEventStore(pool);
  });
  afterEach(async () => {
    await store.close();
    await pool.end();
    await server().dropDatabase(url);
  });
  const settled = async () =>
    (
      await pool.query<{ out_trade_no: string }>('SELECT out_trade_no FROM settled_orders ORDER BY 1')
    ).rows.map((r) => r.out_trade_no);

  it('writes the platform table with the checkpoint, and rebuilds it', async () => {
    await busyDay(createWorld(store));
    const checkpoints = createPostgresCheckpointStore(pool);
    const running = runProjection({ store, checkpoints }, settledOrders);
    await running.whenCaughtUp();
    await running.stop();
    expect(await settled()).toEqual(['T1', 'T2', 'T5']);
    const log = await store.readAll()();
    const last = E.isRight(log) ? log.right[log.right.length - 1]?.position : undefined;
    expect(await checkpoints.read(settledOrders.name)()).toEqual(E.right(last));

    const rebuilt = runProjection({ store, checkpoints }, settledOrders);
    await rebuilt.rebuild();
    await rebuilt.whenCaughtUp();
    await rebuilt.stop();
    expect(await settled()).toEqual(['T1', 'T2', 'T5']);
  });

  it('keeps nothing of a batch whose handler fails: the table and the checkpoint stay together', async () => {
    await busyDay(createWorld(store));
    const checkpoints = createPostgresCheckpointStore(pool);
    const failing = defineProjection<PostgresTransaction>({
      ...settledOrders,
      handle: async (event, tx) => {
        await settledOrders.handle(event, tx);
        if (event.stream.kind === 'order' && event.stream.outTradeNo === 'T2')
          throw new Error('platform bug');
      },
    });
    const running = runProjection({ store, checkpoints }, failing);
    await expect(running.whenCaughtUp()).rejects.toBeDefined();
    await running.stop();
    const stopped = await checkpoints.read(settledOrders.name)();
    const rows = await pool.query<{ position: string }>('SELECT position FROM settled_orders');
    // Every row kept was committed with a checkpoint at or beyond its event; T2's never was.
    const checkpoint = E.isRight(stopped) ? (stopped.right ?? 0) : 0;
    expect(rows.rows.every((r) => Number(r.position) <= checkpoint)).toBe(true);
    expect(await settled()).not.toContain('T2');
  });
});
