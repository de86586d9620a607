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

  it('asks for its fair share, drains its surplus before giving it up, and resumes what it held on after a lapse', async () => {
    const claims: LeaseClaim[] = [];
    // A table with nobody else in it: every wanted partition is granted up to the limit; the third
    // and fourth claims fail.
    const leases: SagaLeases = {
      kind: 'shared',
      partitions: N,
      claim: (request) => async () => {
        claims.push(request);
        if (claims.length === 3 || claims.length === 4)
          return E.left({ _tag: 'StoreUnavailable', message: 'down' });
        const held = request.wanted.slice(0, request.limit).sort((a, b) => a - b);
        return E.right({ held, validForMs: 5_000, instances: 2 });
      },
      release: () => async () => E.right(undefined),
    };
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
    expect(taken).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    // A step runs on partition 6 until the gate opens.
    let open: () => void = () => undefined;
    const step = ownership.track(orderIn(6), () => new Promise<void>((resolve) => (open = resolve)));
    await new Promise((r) => setTimeout(r, 1_200));
    // Two instances: a share of four. 4, 5 and 7 are idle and given up at once; 6 drains: still
    // claimed while its step runs, but no new step starts there.
    expect(claims[1]?.limit).toBe(5);
    expect(claims[1]?.wanted.slice(0, 5)).toEqual([0, 1, 2, 3, 6]);
    expect(ownership.held()).toEqual([0, 1, 2, 3, 6]);
    expect(ownership.owns(orderIn(1))).toBe(true);
    expect(ownership.owns(orderIn(6))).toBe(false);
    expect(ownership.owns(orderIn(5))).toBe(false);
    await new Promise((r) => setTimeout(r, 1_300));
    open();
    await step;
    // Once the step has ended, 6 is given up too.
    await new Promise((r) => setTimeout(r, 1_800));
    ownership.stop();
    const last = claims[claims.length - 1]!;
    expect(last.limit).toBe(4);
    expect(ownership.held()).toEqual([0, 1, 2, 3]);
    // Two failed claims let the hold run short of a step's need (5 s from the second claim, 2.5 s
    // needed): steps were skipped meanwhile, so what is still held is resumed.
    expect(claims).toHaveLength(5);
    expect(taken).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3],
    ]);
  });

  it('refuses a TTL a step cannot fit in', () => {
    const { leases } = scripted([E.right({ held: [], validForMs: 0, instances: 1 })]);
    expect(() =>
      createSagaOwnership(leases, { logger, metrics: noMetrics, stepBudgetMs: 10_000, ttlMs: 11_000 }),
    ).toThrow(/too short/);
  });
});
