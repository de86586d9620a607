import type * as TE from 'fp-ts/TaskEither';

/**
 * The event store: an append-only log of streams, with one global order.
 *
 * Every adapter (memory, SQLite, EventStoreDB) must honour this contract, checked by
 * `test/contract/event-store.contract.ts`:
 * - `append` is atomic: all events of one call land, at consecutive revisions, or none do.
 * - Revisions start at 0 per stream. Global positions are strictly increasing across the
 *   whole log but need not be dense (EventStoreDB positions are sparse byte offsets).
 * - Re-appending the identical events (same ids, same revisions) is a success that writes nothing,
 *   so a retried command is idempotent. A different event at a taken revision is a conflict.
 * - `readAll` and `subscribeToAll` never return system events (types or streams starting with `$`).
 * - Positions given as `from` are exclusive: reading from the position of event e starts after e.
 */

/** What the writer expects the stream's current state to be. A number is the exact last revision. */
export type ExpectedRevision = 'no-stream' | 'stream-exists' | 'any' | number;

export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId: string;
  readonly recordedAt: string;
  readonly actor: string;
  readonly schemaVersion: number;
}

export interface EventToAppend {
  /** A UUID, derived deterministically from the command so retries are idempotent. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface AppendResult {
  /** The stream's last revision after the append. */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended (or already present, on an idempotent retry). */
  readonly position: number;
}

export interface WrongExpectedVersion {
  readonly _tag: 'WrongExpectedVersion';
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** The stream's last revision, or 'no-stream'. */
  readonly actual: number | 'no-stream';
}

export interface StreamNotFound {
  readonly _tag: 'StreamNotFound';
  readonly streamId: string;
}

/** The store could not be reached or failed; the operation may be retried. */
export interface StoreUnavailable {
  readonly _tag: 'StoreUnavailable';
  readonly message: string;
}

export type AppendError = WrongExpectedVersion | StoreUnavailable;
export type ReadStreamError = StreamNotFound | StoreUnavailable;

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first revision (forwards) or the last (backwards). */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive; omitted means from the start of the log. */
  readonly fromPosition?: number;
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint; omitted means from the start of the log. */
  readonly fromPosition?: number;
  /** Called once, when the subscription has delivered everything that existed when it caught up. */
  readonly onCaughtUp?: () => void;
  /** Called if the subscription ends with an error it could not recover from. */
  readonly onError?: (error: StoreUnavailable) => void;
}

export interface Subscription {
  /** Stops delivery; resolves once the handler will not be called again. */
  readonly unsubscribe: () => Promise<void>;
}

export interface EventStore {
  readonly append: (
    streamId: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ) => TE.TaskEither<AppendError, AppendResult>;
  readonly readStream: (
    streamId: string,
    options?: ReadStreamOptions,
  ) => TE.TaskEither<ReadStreamError, readonly RecordedEvent[]>;
  readonly readAll: (options?: ReadAllOptions) => TE.TaskEither<StoreUnavailable, readonly RecordedEvent[]>;
  /**
   * Catch up from the checkpoint, then go live. Events are delivered one at a time, in global
   * order; the next is not delivered until the handler's promise settles. A handler that rejects
   * stops the subscription and reports through `onError`.
   */
  readonly subscribeToAll: (
    handler: (event: RecordedEvent) => Promise<void>,
    options?: SubscribeOptions,
  ) => Subscription;
  /** Resolves when the store can serve requests (used by readiness checks). */
  readonly ping: () => TE.TaskEither<StoreUnavailable, void>;
  readonly close: () => Promise<void>;
}
