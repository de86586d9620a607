import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { EventStore, EventToAppend } from '../src/ports/event-store';

/**
 * The event store benchmarks' workload, one for every store so their figures compare: events of
 * ~150 bytes of JSON (about the size of a real payment event), spread over a fixed set of streams.
 */
export const STREAMS = 1_000;
export const APPENDERS = 64;

const metadata = {
  correlationId: 'c0a80101-0000-4000-8000-000000000001',
  causationId: 'c0a80101-0000-4000-8000-000000000002',
  recordedAt: '2026-01-01T00:00:00.000Z',
  actor: 'bench',
  schemaVersion: 1,
};

export const anEvent = (n: number): EventToAppend => ({
  id: randomUUID(),
  type: 'OrderPaying',
  data: {
    subMchid: '1900000109',
    outTradeNo: `T${n}`,
    amount: { total: 1000 + n, currency: 'HKD' },
    attempt: n % 7,
  },
  metadata,
});

export const streamOf = (i: number): string => `order-1900000109:T${i % STREAMS}`;

export const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** The revision event `i` is appended after: streams fill round-robin, one event each per pass. */
export const expectedAt = (i: number): number | 'no-stream' =>
  i < STREAMS ? 'no-stream' : Math.floor(i / STREAMS) - 1;

export const mustAppend = async (
  store: EventStore,
  i: number,
  expected: number | 'no-stream',
): Promise<void> => {
  const result = await store.append(streamOf(i), [anEvent(i)], expected)();
  if (E.isLeft(result)) throw new Error(`bench append failed: ${JSON.stringify(result.left)}`);
};
