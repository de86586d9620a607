import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { EventStore, EventToAppend, Metrics, ProjectionStatusName } from '../../../../../src/ports';
import { noMetrics } from '../../../../../src/ports';

const metadata = {
  correlationId: 'corr',
  causationId: 'cause',
  recordedAt: '2026-03-02T08:00:00.000Z',
  actor: 'test',
  schemaVersion: 1,
};

/** The smallest public event: an unmatched notification, one per stream. */
export const unmatched = (reason: string): EventToAppend => ({
  id: randomUUID(),
  type: 'NotificationUnmatched',
  data: { reason, observedAt: '2026-03-02T08:00:00.000Z' },
  metadata,
});

/** Appends `reasons` as unmatched notifications, each on its own stream; returns their positions. */
export const appendNotes = async (store: EventStore, ...reasons: string[]): Promise<number[]> => {
  const positions: number[] = [];
  for (const reason of reasons) {
    const appended = await store.append(`notification-${reason}`, [unmatched(reason)], 'no-stream')();
    if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
    positions.push(appended.right.position);
  }
  return positions;
};

/** Appends an event of a public stream whose data its codec refuses. */
export const appendCorrupt = async (store: EventStore, reason: string): Promise<number> => {
  const event = { ...unmatched(reason), data: { reason: 42 } };
  const appended = await store.append(`notification-${reason}`, [event], 'no-stream')();
  if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
  return appended.right.position;
};

/** Metrics that only record what projections reported, on top of the port's no-op defaults. */
export const recordingMetrics = (): Metrics & {
  readonly statuses: { projection: string; status: ProjectionStatusName }[];
} => {
  const statuses: { projection: string; status: ProjectionStatusName }[] = [];
  return {
    ...noMetrics,
    projectionStatus: (projection, status) => statuses.push({ projection, status }),
    statuses,
  };
};

/** Waits on a condition, checking after each turn of the event loop (no fixed sleeps). */
export const until = async (condition: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
