import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import { createPostgresCheckpointStore } from '../../src/adapters/postgresql';
import { usePostgres } from '../support/postgres';
import { checkpointStoreContract } from './checkpoint-store.contract';

const server = usePostgres();

const openPool = async () => {
  const url = await server().createDatabase();
  const pool = new Pool({ connectionString: url, max: 4 });
  return {
    pool,
    teardown: async () => {
      await pool.end();
      await server().dropDatabase(url);
    },
  };
};

checkpointStoreContract('postgresql, in the handler’s transaction', async () => {
  const { pool, teardown } = await openPool();
  return { store: createPostgresCheckpointStore(pool), teardown };
});

describe('PostgreSQL checkpoint store: the handler writes in the checkpoint’s transaction', () => {
  let opened: Awaited<ReturnType<typeof openPool>>;
  beforeEach(async () => {
    opened = await openPool();
    await opened.pool.query('CREATE TABLE totals (id text PRIMARY KEY, amount integer NOT NULL)');
  });
  afterEach(() => opened.teardown());
  const totals = async () => (await opened.pool.query('SELECT id, amount FROM totals ORDER BY id')).rows;

  it('keeps the handler’s async writes with the checkpoint, and drops them with a refused one', async () => {
    const store = createPostgresCheckpointStore(opened.pool);
    const committed = await store.commit('totals', undefined, 4, async (tx) => {
      await tx.query("INSERT INTO totals VALUES ('a', 100)");
    })();
    expect(committed).toEqual(E.right(undefined));

    const failed = await store.commit('totals', 4, 9, async (tx) => {
      await tx.query("UPDATE totals SET amount = 999 WHERE id = 'a'");
      throw new Error('projection bug');
    })();
    expect(E.isLeft(failed) && failed.left._tag).toBe('HandlerFailed');
    expect(await totals()).toEqual([{ id: 'a', amount: 100 }]);
    expect(await store.read('totals')()).toEqual(E.right(4));
  });

  it('lets only one of two concurrent runners of one projection commit from the same checkpoint', async () => {
    const [first, second] = [
      createPostgresCheckpointStore(opened.pool),
      createPostgresCheckpointStore(opened.pool),
    ];
    const outcomes = await Promise.all(
      [first, second].map((store, i) =>
        store.commit('totals', undefined, 5, async (tx) => {
          await tx.query('INSERT INTO totals VALUES ($1, 1)', [`runner-${i}`]);
        })(),
      ),
    );
    expect(outcomes.filter(E.isRight)).toHaveLength(1);
    expect(outcomes.filter((o) => E.isLeft(o) && o.left._tag === 'CheckpointMoved')).toHaveLength(1);
    expect(await totals()).toHaveLength(1);
  });

  it('reset runs the projection’s clear in the same transaction', async () => {
    const store = createPostgresCheckpointStore(opened.pool);
    await store.commit('totals', undefined, 4, async (tx) => {
      await tx.query("INSERT INTO totals VALUES ('a', 100)");
    })();
    expect(await store.reset('totals', async (tx) => void (await tx.query('DELETE FROM totals')))()).toEqual(
      E.right(undefined),
    );
    expect(await totals()).toEqual([]);
    expect(await store.read('totals')()).toEqual(E.right(undefined));
  });
});
