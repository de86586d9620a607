import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventMetadata, RecordedEvent, StoreUnavailable } from '../../ports/event-store';

/** Columns in the order every SELECT of the log lists them; JSON comes back as text, decoded here. */
export const EVENT_COLUMNS =
  'position::text AS position, stream_id, revision, event_id, type, data::text AS data, metadata::text AS metadata';

const EventMetadataCodec = t.type({
  correlationId: t.string,
  causationId: t.string,
  recordedAt: t.string,
  actor: t.string,
  schemaVersion: t.number,
});

const EventRowCodec = t.type({
  position: t.string,
  stream_id: t.string,
  revision: t.number,
  event_id: t.string,
  type: t.string,
  data: t.string,
  metadata: t.string,
});

const corrupt = (position: unknown, what: string): E.Either<StoreUnavailable, never> =>
  E.left({ _tag: 'StoreUnavailable', message: `corrupt event row at position ${String(position)}: ${what}` });

/** Rows come from outside the process (any client can write the table): each is checked first. */
export const decodeEventRow = (row: unknown): E.Either<StoreUnavailable, RecordedEvent> => {
  const position = (row as { position?: unknown } | null)?.position;
  if (!EventRowCodec.is(row)) return corrupt(position, 'a column is missing or ill-typed');
  let data: unknown;
  let metadata: unknown;
  try {
    data = JSON.parse(row.data);
    metadata = JSON.parse(row.metadata);
  } catch {
    return corrupt(position, 'data or metadata is not JSON');
  }
  if (!EventMetadataCodec.is(metadata)) return corrupt(position, 'metadata field missing or ill-typed');
  return E.right({
    streamId: row.stream_id,
    revision: row.revision,
    position: Number(row.position),
    id: row.event_id,
    type: row.type,
    data,
    metadata: metadata as EventMetadata,
  });
};

export const decodeEventRows: (
  rows: readonly unknown[],
) => E.Either<StoreUnavailable, readonly RecordedEvent[]> = E.traverseArray(decodeEventRow);
