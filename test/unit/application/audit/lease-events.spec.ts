import { createMemoryCheckpointStore } from '../../../../src/adapters/memory/checkpoint-store';
import { createMemoryReadModelStore } from '../../../../src/adapters/memory/read-model-store';
import { createStreamSagaLeases } from '../../../../src/adapters/shared/stream-saga-leases';
import { auditTimeline, formatReplayReport, verifyReplay } from '../../../../src/application/audit';
import {
  allProjections,
  rebuildProjections,
  startProjections,
} from '../../../../src/application/projections';
import {
  decodePublicEvent,
  runProjection,
  type PublicEvent,
} from '../../../../src/application/projections/public';
import { noMetrics, SAGA_LEASES_STREAM, type RecordedEvent } from '../../../../src/ports';
import { busyDay, createWorld, silentLogger, subMchid, type World } from '../projections/scenarios';
import { feed, logOf, snapshot, unwrap } from '../projections/support';

/**
 * Instances sharing an EventStoreDB log keep their saga leases in a stream of that log. Whatever
 * reads the whole log (replay, audit, projections, public projections) must pass over those events:
 * they are bookkeeping of the running instances, not business facts.
 */
const worldWithLeases = async (): Promise<World> => {
  const w = createWorld();
  let now = 1_000;
  const leases = createStreamSagaLeases(w.store, { now: () => now });
  const claim = async (owner: string, wanted: readonly number[]) => {
    now += 10_000; // every claim finds the last one's leases expired: each one writes
    await unwrap(leases.claim({ owner, ttlMs: 3_000, wanted, limit: 16 }));
  };
  await claim('instance-a', [0, 1, 2]);
  await claim('instance-b', [3, 4]);
  await busyDay(w);
  await claim('instance-a', [0, 1, 2, 5]);
  await unwrap(leases.release('instance-b'));
  return w;
};

const leaseEventsOf = (log: readonly RecordedEvent[]) => log.filter((e) => e.streamId === SAGA_LEASES_STREAM);

describe('a log holding saga lease events', () => {
  let w: World;
  let log: readonly RecordedEvent[];
  beforeEach(async () => {
    w = await worldWithLeases();
    log = await logOf(w.store);
    expect(leaseEventsOf(log).length).toBeGreaterThanOrEqual(4);
  });

  it('replay --verify finds no problem, and counts only order and refund streams', async () => {
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([]);
    const business = log.filter((e) => /^(order|refund)-/.test(e.streamId));
    expect(report).toMatchObject({
      streams: new Set(business.map((e) => e.streamId)).size,
      events: business.length,
    });
    expect(formatReplayReport(report)).toMatch(/0 problem\(s\)/);
  });

  it('an audit timeline leaves them out', async () => {
    const timeline = await unwrap(auditTimeline(w.store, subMchid, 'T1'));
    expect(timeline.length).toBeGreaterThan(0);
    expect(timeline.filter((e) => e.streamId === SAGA_LEASES_STREAM)).toEqual([]);
  });

  it('the projections pass over them, and their checkpoints move past them', async () => {
    const deps = { store: w.store, logger: silentLogger, metrics: noMetrics };
    const rebuilt = createMemoryReadModelStore();
    await unwrap(rebuildProjections({ ...deps, readModels: rebuilt }, allProjections));
    const reference = createMemoryReadModelStore();
    const business = log.filter((e) => e.streamId !== SAGA_LEASES_STREAM);
    for (const p of allProjections) await feed(reference, p, business);
    for (const p of allProjections) expect(await snapshot(rebuilt, p)).toEqual(await snapshot(reference, p));

    const running = startProjections({ ...deps, readModels: createMemoryReadModelStore() }, allProjections);
    await running.whenCaughtUp();
    // Reconciliation waits for the log's head, which may well be a lease event.
    await running.waitForPosition(log[log.length - 1]!.position);
    await running.stop();
  });

  it('a public projection never sees them', async () => {
    for (const e of leaseEventsOf(log))
      expect(decodePublicEvent(e)).toEqual({ _tag: 'Right', right: undefined });
    const seen: PublicEvent[] = [];
    const running = runProjection(
      { store: w.store, checkpoints: createMemoryCheckpointStore() },
      { name: 'everything', handle: (e) => void seen.push(e) },
    );
    await running.waitForPosition(log[log.length - 1]!.position);
    await running.stop();
    expect(running.status().status).not.toBe('failed');
    expect(seen.length).toBe(log.length - leaseEventsOf(log).length);
  });
});
