/**
 * The emulator's in-memory log: streams with revisions from 0 and one global order (`$all`).
 *
 * Positions are deliberately sparse and byte-offset-like, as in a real EventStoreDB log
 * (reference "Trickiest parts" 5), so an adapter cannot get away with `position == index`.
 * Commit and prepare positions are equal, as on servers >= 20 for non-transactional writes.
 */

export interface StoredEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** .NET ticks (100 ns since the Unix epoch), as the server sends `created`. */
  readonly created: bigint;
}

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export type Expected =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

export type AppendOutcome =
  | {
      readonly ok: true;
      /** Undefined when the stream still does not exist (an empty append to no stream). */
      readonly currentRevision: bigint | undefined;
      /** Undefined when nothing was written or found (an empty append). */
      readonly position: bigint | undefined;
    }
  | { readonly ok: false; readonly current: bigint | 'no_stream'; readonly expected: Expected };

const FIRST_POSITION = 1_536n;
/** Fixed per-record overhead, so that positions look like the byte offsets of log records. */
const RECORD_OVERHEAD = 211n;

export class InMemoryLog {
  /**
   * Whether an idempotent replay reports the position of the events already there. A server may
   * answer a replay with `no_position`; turning this off makes the emulator do the same.
   */
  isPositionReportedOnReplay = true;
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private nextPosition = FIRST_POSITION;
  private readonly listeners = new Set<() => void>();

  stream(streamId: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamId);
  }

  /** Called after every commit; subscriptions pump from their cursor. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamId: string, events: readonly ProposedEvent[], expected: Expected): AppendOutcome {
    const stream = this.streams.get(streamId) ?? [];
    const last = stream.length === 0 ? undefined : BigInt(stream.length - 1);
    const replay = this.idempotentReplay(stream, events, expected);
    if (replay !== undefined) return replay;
    if (!satisfies(expected, last)) return { ok: false, current: last ?? 'no_stream', expected };
    if (events.length === 0) return { ok: true, currentRevision: last, position: undefined };
    const created = BigInt(Date.now()) * 10_000n;
    for (const event of events) {
      const stored: StoredEvent = {
        ...event,
        streamId,
        revision: BigInt(stream.length),
        position: this.nextPosition,
        created,
      };
      this.nextPosition +=
        RECORD_OVERHEAD + BigInt(event.data.length + event.customMetadata.length + streamId.length);
      stream.push(stored);
      this.all.push(stored);
    }
    this.streams.set(streamId, stream);
    for (const listener of [...this.listeners]) listener();
    const tail = stream[stream.length - 1];
    return { ok: true, currentRevision: tail?.revision, position: tail?.position };
  }

  /**
   * A retried append whose events are already in the stream, in order, at the revisions the
   * expectation implies, succeeds without writing. With `any`/`stream_exists` the server finds the
   * first id wherever it is (its id cache); this is a simplification of that rule.
   */
  private idempotentReplay(
    stream: readonly StoredEvent[],
    events: readonly ProposedEvent[],
    expected: Expected,
  ): AppendOutcome | undefined {
    const first = events[0];
    if (first === undefined) return undefined;
    const start =
      expected.kind === 'revision'
        ? Number(expected.revision) + 1
        : expected.kind === 'no_stream'
          ? 0
          : stream.findIndex((e) => e.id === first.id);
    if (start < 0 || start + events.length > stream.length) return undefined;
    const matches = events.every((e, i) => stream[start + i]?.id === e.id);
    if (!matches) return undefined;
    const lastWritten = stream[start + events.length - 1];
    const position = this.isPositionReportedOnReplay ? lastWritten?.position : undefined;
    return { ok: true, currentRevision: lastWritten?.revision, position };
  }
}

const satisfies = (expected: Expected, last: bigint | undefined): boolean => {
  switch (expected.kind) {
    case 'any':
      return true;
    case 'no_stream':
      return last === undefined;
    case 'stream_exists':
      return last !== undefined;
    case 'revision':
      return last === expected.revision;
  }
};
