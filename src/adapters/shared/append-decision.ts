import type { ExpectedRevision } from '../../ports/event-store';

/**
 * What an append does, given the stream's last revision (undefined: no stream). Exact and
 * 'no-stream' expectations pin the revisions the events would take; when those are already taken
 * by the same event ids the call is a retry that already succeeded (the port's idempotency rule,
 * as EventStoreDB decides it), otherwise a conflict. 'any' and 'stream-exists' pin nothing, so
 * they always write.
 */
export type AppendDecision =
  | { readonly kind: 'write'; readonly firstRevision: number }
  | { readonly kind: 'already-written'; readonly lastRevision: number }
  | { readonly kind: 'conflict'; readonly actual: number | 'no-stream' };

export const decideAppend = (
  lastRevision: number | undefined,
  expected: ExpectedRevision,
  events: readonly { readonly id: string }[],
  idAt: (revision: number) => string | undefined,
): AppendDecision => {
  const actual = lastRevision ?? 'no-stream';
  const next = lastRevision === undefined ? 0 : lastRevision + 1;
  if (expected === 'any') return { kind: 'write', firstRevision: next };
  if (expected === 'stream-exists') {
    return lastRevision === undefined ? { kind: 'conflict', actual } : { kind: 'write', firstRevision: next };
  }
  const first = expected === 'no-stream' ? 0 : expected + 1;
  if (!Number.isSafeInteger(first) || first < 0) return { kind: 'conflict', actual };
  if (first === next) return { kind: 'write', firstRevision: next };
  if (first > next || events.length === 0) return { kind: 'conflict', actual };
  const isRetry = events.every((event, i) => idAt(first + i) === event.id);
  return isRetry
    ? { kind: 'already-written', lastRevision: first + events.length - 1 }
    : { kind: 'conflict', actual };
};
