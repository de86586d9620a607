import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventMetadata, EventToAppend, RecordedEvent, StoreUnavailable } from '../../ports/event-store';

/** Columns in the order every SELECT of the log lists them; rows are read raw (arrays) for speed. */
export const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';
export type EventRow = readonly unknown[];

const EventMetadataCodec = t.type({
  correlationId: t.string,
  causationId: t.string,
  recordedAt: t.string,
  actor: t.string,
  schemaVersion: t.number,
});

/** An event serialised before it joins a group commit, so a value JSON cannot hold fails only its own caller. */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export const encodeEvent = (event: EventToAppend): EncodedEvent => ({
  id: event.id,
  type: event.type,
  data: JSON.stringify(event.data) ?? 'null',
  metadata: JSON.stringify(event.metadata),
});

const corrupt = (position: unknown, what: string): E.Either<StoreUnavailable, never> =>
  E.left({ _tag: 'StoreUnavailable', message: `corrupt event row at position ${String(position)}: ${what}` });

const parseJson = (text: unknown): E.Either<string, unknown> => {
  if (typeof text !== 'string') return E.left('not text');
  try {
    return E.right(JSON.parse(text));
  } catch {
    return E.left('not JSON');
  }
};

/**
 * The database file is outside the process, so each row is checked before it becomes a
 * RecordedEvent; `data` stays unknown for the application's event codecs to decode.
 */
export const decodeEventRow = (row: EventRow): E.Either<StoreUnavailable, RecordedEvent> => {
  const [position, streamId, revision, id, type, dataText, metadataText] = row;
  if (typeof position !== 'number') return corrupt(position, 'position is not a number');
  if (typeof streamId !== 'string') return corrupt(position, 'stream_id is not text');
  if (typeof revision !== 'number') return corrupt(position, 'revision is not a number');
  if (typeof id !== 'string') return corrupt(position, 'event_id is not text');
  if (typeof type !== 'string') return corrupt(position, 'type is not text');
  const data = parseJson(dataText);
  if (E.isLeft(data)) return corrupt(position, `data is ${data.left}`);
  const metadata = parseJson(metadataText);
  if (E.isLeft(metadata)) return corrupt(position, `metadata is ${metadata.left}`);
  if (!EventMetadataCodec.is(metadata.right)) {
    const fields = metadata.right as Readonly<Record<string, unknown>> | null;
    const bad = Object.entries(EventMetadataCodec.props)
      .filter(([name, codec]) => !codec.is(fields?.[name]))
      .map(([name]) => name);
    return corrupt(position, `metadata field missing or ill-typed: ${bad.join(', ') || '(not an object)'}`);
  }
  const recorded: RecordedEvent = {
    streamId,
    revision,
    position,
    id,
    type,
    data: data.right,
    metadata: metadata.right as EventMetadata,
  };
  return E.right(recorded);
};

export const decodeEventRows: (
  rows: readonly EventRow[],
) => E.Either<StoreUnavailable, readonly RecordedEvent[]> = E.traverseArray(decodeEventRow);
