import * as E from 'fp-ts/Either';
import { createSagaOwnership } from '../../../src/application/saga-ownership';
import {
  exclusiveSagaLeases,
  noMetrics,
  partitionOf,
  type LeaseClaim,
  type LeaseGrant,
  type SagaLeases,
} from '../../../src/ports';
import { createPinoLogger } from '../../../src/adapters/pino';

const logger = createPinoLogger({ level: 'silent' });
const N = 8;
/** An order stream in the given partition. */
const orderIn = (partition: number): string => {
  for (let i = 0; ; i++)
    if (partitionOf(`order-1900000109:T${i}`, N) === partition) return `order-1900000109:T${i}`;
};

/** Leases that answer each claim as the test says, and remember the claims. */
const scripted = (answers: E.Either<{ _tag: 'StoreUnavailable'; message: string }, LeaseGrant>[]) => {
  const claims: LeaseClaim[] = [];
  const leases: SagaLeases = {
    kind: 'shared',
    partitions: N,
    claim: (request) => async () => {
      claims.push(request);
      return answers.length > 1 ? answers.shift()! : answers[0]!;
    },
    release: () => async () => E.right(undefined),
  };
  return { leases, claims };
};

describe('saga ownership', () => {
  it('a store one process drives: every saga is ours, always', async () => {
    const ownership = createSagaOwnership(exclusiveSagaLeases(N), { logger, metrics: noMetrics });
    await ownership.start(() => undefined);
    expect(ownership.owns(orderIn(3))).toBe(true);
    expect(ownership.held()).toHaveLength(N);
    ownership.stop();
  });

  it('shared: only the partitions granted, and only while the lease outlasts a step', async () => {
    const { leases } = scripted([E.right({ held: [1, 2], validForMs: 10_000, instances: 2 })]);
    const taken: number[][] = [];
    const ownership = createSagaOwnership(leases, {
      logger,
      metrics: noMetrics,
      stepBudgetMs: 2_000,
      ttlMs: 10_000,
    });
    await ownership.start((p) => taken.push([...p]));
    expect(taken).toEqual([[1, 2]]);
    expect(ownership.owns(orderIn(1))).toBe(true);
    expect(ownership.owns(orderIn(3))).toBe(false);
    ownership.stop();
    // Stopped: nothing is ours any more, even before the leases are released.
    expect(ownership.owns(orderIn(1))).toBe(false);
  });

  it('a grant too short for a step is held but not acted on', async () => {
    const { leases } = scripted([E.right({ held: [1], validForMs: 2_200, instances: 1 })]);
    const ownership = createSagaOwnership(leases, {
      logger,
      metrics: noMetrics,
      stepBudgetMs: 2_000,
      ttlMs: 5_000,
    });
    await ownership.start(() => undefined);
    expect(ownership.held()).toEqual([1]);
    expect(ownership.owns(orderIn(1))).toBe(false);
    ownership.stop();
  });

  it('asks for its fair share, its own partitions first, and reports what it gains again after a lapse', async () => {
    const { leases, claims } = scripted([
      E.right({ held: [0, 1, 2, 3, 4, 5, 6, 7], validForMs: 5_000, instances: 2 }),
      E.left({ _tag: 'StoreUnavailable', message: 'down' }),
      E.right({ held: [0, 1, 2, 3], validForMs: 5_000, instances: 2 }),
    ]);
    const taken: number[][] = [];
    const ownership = createSagaOwnership(leases, {
      logger,
      metrics: noMetrics,
      stepBudgetMs: 2_000,
      ttlMs: 5_000,
    });
    await ownership.start((p) => taken.push([...p].sort()));
    // First claim: no idea how many instances there are, so everything is fair game.
    expect(claims[0]?.limit).toBe(N);
    await new Promise((r) => setTimeout(r, 2_300));
    ownership.stop();
    // Two instances: half each, the partitions held listed first.
    expect(claims[1]?.limit).toBe(4);
    expect(claims[1]?.wanted.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The failed claim changed nothing; the next kept four (still valid: nothing new to resume).
    expect(taken).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    expect(ownership.held()).toEqual([0, 1, 2, 3]);
  });

  it('refuses a TTL a step cannot fit in', () => {
    const { leases } = scripted([E.right({ held: [], validForMs: 0, instances: 1 })]);
    expect(() =>
      createSagaOwnership(leases, { logger, metrics: noMetrics, stepBudgetMs: 10_000, ttlMs: 11_000 }),
    ).toThrow(/too short/);
  });
});
