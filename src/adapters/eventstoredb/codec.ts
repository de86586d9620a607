/**
 * Translation between the port's shapes and what `@eventstore/db-client` 6.2.1 reads and writes.
 *
 * - Revisions and commit positions are `bigint` in the client and JS numbers in the port; a value
 *   beyond 2^53 cannot be represented and is refused rather than rounded.
 * - Metadata travels as the event's custom metadata JSON, with `$correlationId`/`$causationId`
 *   added so that the server's own projections (`$by_correlation_id`) can follow a flow.
 * - Every record read back is decoded with io-ts: events written by other tools may not fit.
 */
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendExpectedRevision,
  type EventData,
  type JSONType,
  type ResolvedEvent,
} from '@eventstore/db-client';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import {
  type EventMetadata,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from '../../ports/event-store';

/**
 * Drops `throwOnAppendFailure` from a connection string: `false` would switch on the client's
 * BatchAppend bug (nextExpectedRevision 1n whatever the revision; docs/event-stores.md), so the
 * adapter always runs with the default.
 */
export const withDefaultAppendFailureMode = (connectionString: string): string => {
  const query = connectionString.indexOf('?');
  if (query < 0) return connectionString;
  const kept = connectionString
    .slice(query + 1)
    .split('&')
    .filter((pair) => (pair.split('=')[0] ?? '').trim().toLowerCase() !== 'throwonappendfailure');
  const base = connectionString.slice(0, query);
  return kept.length === 0 ? base : `${base}?${kept.join('&')}`;
};

export const toExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'no-stream':
      return NO_STREAM;
    case 'stream-exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return BigInt(expected);
  }
};

export const toEventData = (event: EventToAppend): EventData => ({
  id: event.id,
  contentType: 'application/json',
  type: event.type,
  // The client's JSONType omits numbers, booleans and null, yet it JSON-encodes any value.
  data: event.data as JSONType,
  metadata: {
    ...event.metadata,
    $correlationId: event.metadata.correlationId,
    $causationId: event.metadata.causationId,
  },
});

/** System records: `$`-prefixed types (`$metadata`, `$>` links, `$statsCollected`) or streams. */
export const isSystemRecord = (streamId: string, type: string): boolean =>
  streamId.startsWith('$') || type.startsWith('$');

export const toSafeNumber = (value: bigint, what: string): E.Either<string, number> =>
  value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? E.right(Number(value))
    : E.left(`${what} ${value.toString()} is beyond JavaScript's safe integer range`);

const EventMetadataCodec = t.type({
  correlationId: t.string,
  causationId: t.string,
  recordedAt: t.string,
  actor: t.string,
  schemaVersion: t.number,
});

/** What the client hands back for one record; extra fields are tolerated. */
const RecordCodec = t.type({
  streamId: t.string,
  id: t.string,
  revision: t.bigint,
  type: t.string,
  isJson: t.literal(true),
  data: t.unknown,
  metadata: EventMetadataCodec,
  position: t.type({ commit: t.bigint, prepare: t.bigint }),
});

const describe = (errors: t.Errors): string =>
  errors
    .map((error) => {
      const path = error.context
        .map((c) => c.key)
        .filter((k) => k !== '')
        .join('.');
      return path === '' ? 'the record is not an object' : `field ${path} is missing or ill-typed`;
    })
    .filter((message, i, all) => all.indexOf(message) === i)
    .join('; ');

const toEventMetadata = (m: t.TypeOf<typeof EventMetadataCodec>): EventMetadata => ({
  correlationId: m.correlationId,
  causationId: m.causationId,
  recordedAt: m.recordedAt,
  actor: m.actor,
  schemaVersion: m.schemaVersion,
});

/** Decodes one record the client returned; the Left names the record and the offending field. */
export const decodeRecord = (resolved: ResolvedEvent): E.Either<string, RecordedEvent> =>
  pipe(
    RecordCodec.decode(resolved.event),
    E.mapLeft(
      (errors) =>
        `record ${resolved.event?.id ?? '(none)'} of ${resolved.event?.streamId ?? '(none)'}: ${describe(errors)}`,
    ),
    E.chain((record) =>
      pipe(
        E.Do,
        E.apS('revision', toSafeNumber(record.revision, 'revision')),
        E.apS('position', toSafeNumber(record.position.commit, 'position')),
        E.map(({ revision, position }) => ({
          streamId: record.streamId,
          revision,
          position,
          id: record.id,
          type: record.type,
          data: record.data,
          metadata: toEventMetadata(record.metadata),
        })),
      ),
    ),
  );

/** The raw commit position of a record, system or not, to move a cursor past it. */
export const commitPositionOf = (resolved: ResolvedEvent): bigint | undefined =>
  resolved.event?.position?.commit ?? resolved.commitPosition;
