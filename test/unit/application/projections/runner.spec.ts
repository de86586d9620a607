import * as E from 'fp-ts/Either';
import { createMemoryReadModelStore } from '../../../../src/adapters/memory/read-model-store';
import {
  PAYMENTS,
  allProjections,
  paymentKey,
  paymentsProjection,
  rebuildProjections,
  startProjections,
  type ProjectionDeps,
} from '../../../../src/application/projections';
import { type Metrics, noMetrics, type ReadModelStore } from '../../../../src/ports';
import { busyDay, hkd, paidPlan, pay, silentLogger, subMchid } from './scenarios';
import { feed, logOf, snapshot, unwrap } from './support';

const reference = async (log: Parameters<typeof feed>[2]) => {
  const rm = createMemoryReadModelStore();
  for (const p of allProjections) await feed(rm, p, log);
  return rm;
};

const sameReadModels = async (actual: ReadModelStore, expected: ReadModelStore): Promise<void> => {
  for (const p of allProjections) expect(await snapshot(actual, p)).toEqual(await snapshot(expected, p));
};

/** Fails the n-th commit, as a disk or lock error would; counts the commits. */
const failingOnce = (inner: ReadModelStore, n: number): ReadModelStore & { commits: () => number } => {
  let commits = 0;
  return {
    ...inner,
    applyAll: (batches) => {
      commits += 1;
      if (commits === n)
        return () => Promise.resolve(E.left({ _tag: 'ReadModelUnavailable', message: 'disk full' }));
      return inner.applyAll(batches);
    },
    commits: () => commits,
  };
};

const depsFor = (
  w: Awaited<ReturnType<typeof busyDay>>,
  readModels: ReadModelStore,
  metrics: Metrics = noMetrics,
) => ({ store: w.store, readModels, logger: silentLogger, metrics }) satisfies ProjectionDeps;

describe('startProjections', () => {
  it('catches every projection up from the log to the same read models as feeding each event', async () => {
    const w = await busyDay();
    const readModels = createMemoryReadModelStore();
    const running = startProjections(depsFor(w, readModels), allProjections);
    await running.whenCaughtUp();
    await running.stop();
    await sameReadModels(readModels, await reference(await logOf(w.store)));
  });

  it('lets a writer wait until its own event is visible in every read model', async () => {
    const w = await busyDay();
    const readModels = createMemoryReadModelStore();
    const running = startProjections(depsFor(w, readModels), allProjections);
    await running.whenCaughtUp();
    await pay(w, paidPlan('LATE', hkd(1_234), 60_000, 77));
    const log = await logOf(w.store);
    await running.waitForPosition(log[log.length - 1]?.position ?? 0);
    expect(await unwrap(readModels.get(PAYMENTS, paymentKey(subMchid, 'LATE')))).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: 1_234 },
    });
    await running.stop();
  });

  it('resumes from the stored checkpoint, after a failed write, to the result of an uninterrupted run', async () => {
    const w = await busyDay();
    const log = await logOf(w.store);
    const inner = createMemoryReadModelStore();
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) };
    const first = startProjections({ ...depsFor(w, failingOnce(inner, 3)), logger }, allProjections, {
      maxBatch: 7,
    });
    await expect(first.waitForPosition(log[log.length - 1]?.position ?? 0)).rejects.toThrow(/disk full/);
    await first.stop();
    expect(errors).toEqual(['projection stopped']);

    // What was committed is exactly the events up to the checkpoint: documents and checkpoint together.
    const checkpoint = await unwrap(inner.checkpoint('payments'));
    expect(checkpoint).toBeDefined();
    const upTo = createMemoryReadModelStore();
    await feed(
      upTo,
      paymentsProjection,
      log.filter((e) => e.position <= (checkpoint ?? 0)),
    );
    expect(await snapshot(inner, paymentsProjection)).toEqual(await snapshot(upTo, paymentsProjection));

    const second = startProjections(depsFor(w, inner), allProjections);
    await second.whenCaughtUp();
    await second.stop();
    await sameReadModels(inner, await reference(log));
  });

  it('commits a batch of events for every projection in one read-model transaction', async () => {
    const w = await busyDay();
    const log = await logOf(w.store);
    const readModels = failingOnce(createMemoryReadModelStore(), 0);
    const running = startProjections(depsFor(w, readModels), allProjections, { maxBatch: 7 });
    await running.whenCaughtUp();
    await running.stop();
    await sameReadModels(readModels, await reference(log));
    expect(log.length).toBeGreaterThan(20);
    expect(readModels.commits()).toBeGreaterThanOrEqual(Math.ceil(log.length / 7));
    expect(readModels.commits()).toBeLessThanOrEqual(Math.ceil(log.length / 7) + 1);
  });

  it('stops a projection whose code throws, alone, and fails the waiters', async () => {
    const w = await busyDay();
    const log = await logOf(w.store);
    const brokenAt = log[Math.floor(log.length / 2)]?.position ?? 0;
    const broken = {
      ...paymentsProjection,
      project: (event: Parameters<typeof paymentsProjection.project>[0]) => {
        if (event.position === brokenAt) throw new Error('projection bug');
        return paymentsProjection.project(event);
      },
    };
    const readModels = createMemoryReadModelStore();
    const errors: unknown[] = [];
    const logger = { ...silentLogger, error: (_: string, fields?: unknown) => void errors.push(fields) };
    const others = allProjections.filter((p) => p !== paymentsProjection);
    const running = startProjections({ ...depsFor(w, readModels), logger }, [broken, ...others], {
      maxBatch: 5,
    });
    await expect(running.waitForPosition(log[log.length - 1]?.position ?? 0)).rejects.toThrow(
      /projection bug/,
    );
    await running.stop();
    expect(errors).toEqual([{ projections: ['payments'], error: 'projection bug' }]);
    const stoppedAt = (await unwrap(readModels.checkpoint('payments'))) ?? 0;
    expect(stoppedAt).toBeLessThan(brokenAt);
    // The others committed the batch the broken one could not.
    for (const p of others) {
      expect(await unwrap(readModels.checkpoint(p.name))).toBeGreaterThanOrEqual(brokenAt);
    }
  });

  it('reports each projection caught up with no lag', async () => {
    const w = await busyDay();
    const lags: [string, number][] = [];
    const metrics = {
      ...noMetrics,
      projectionLag: (name: string, lag: number) => void lags.push([name, lag]),
    };
    const running = startProjections(depsFor(w, createMemoryReadModelStore(), metrics), allProjections);
    await running.whenCaughtUp();
    await running.stop();
    for (const p of allProjections) expect(lags).toContainEqual([p.name, 0]);
    expect(lags.every(([, lag]) => lag >= 0)).toBe(true);
  });

  it('fails waiters once stopped instead of leaving them hanging', async () => {
    const w = await busyDay();
    const running = startProjections(depsFor(w, createMemoryReadModelStore()), allProjections);
    await running.whenCaughtUp();
    const waiting = running.waitForPosition(Number.MAX_SAFE_INTEGER);
    await running.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});

describe('rebuildProjections', () => {
  it('replays the whole log into fresh read models, equal to the live ones', async () => {
    const w = await busyDay();
    const log = await logOf(w.store);
    const readModels = createMemoryReadModelStore();
    // A read model gone wrong: a document no event produced.
    await unwrap(
      readModels.apply('payments', 1, [
        { collection: PAYMENTS, key: 'bogus', update: () => ({ status: 'X' }) },
      ]),
    );
    const report = await unwrap(rebuildProjections(depsFor(w, readModels), allProjections));
    expect(report).toEqual({ events: log.length, position: log[log.length - 1]?.position });
    await sameReadModels(readModels, await reference(log));
    for (const p of allProjections) expect(await unwrap(readModels.checkpoint(p.name))).toBe(report.position);
  });

  it('leaves a running start with nothing to replay after a rebuild', async () => {
    const w = await busyDay();
    const readModels = createMemoryReadModelStore();
    await unwrap(rebuildProjections(depsFor(w, readModels), allProjections));
    const running = startProjections(depsFor(w, readModels), allProjections);
    await running.whenCaughtUp();
    await running.stop();
    await sameReadModels(readModels, await reference(await logOf(w.store)));
  });
});
