/**
 * Conversions between the emulator's log and the wire messages the client's generated stubs use.
 * Every uint64 travels as a decimal string (`jstype=JS_STRING`, reference "Trickiest parts" 5).
 */
import * as shared from '@eventstore/db-client/generated/shared_pb';
import * as streams from '@eventstore/db-client/generated/streams_pb';
import { type StoredEvent } from './log';

/** Other clients send the structured form (two int64 halves); 6.2.1 sends the string form. */
export const uuidToString = (uuid: shared.UUID | undefined): string => {
  if (uuid === undefined) return '';
  if (uuid.hasString()) return uuid.getString();
  const structured = uuid.getStructured();
  if (structured === undefined) return '';
  const half = (s: string) => BigInt.asUintN(64, BigInt(s)).toString(16).padStart(16, '0');
  const hex = half(structured.getMostSignificantBits()) + half(structured.getLeastSignificantBits());
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export const makeUuid = (id: string, structured: boolean): shared.UUID => {
  const uuid = new shared.UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replace(/-/g, '');
  const half = (h: string) => BigInt.asIntN(64, BigInt(`0x${h}`)).toString(10);
  return uuid.setStructured(
    new shared.UUID.Structured()
      .setMostSignificantBits(half(hex.slice(0, 16)))
      .setLeastSignificantBits(half(hex.slice(16, 32))),
  );
};

export const streamNameOf = (identifier: shared.StreamIdentifier | undefined): string =>
  identifier === undefined ? '' : Buffer.from(identifier.getStreamName_asU8()).toString('utf8');

export const streamIdentifier = (name: string): shared.StreamIdentifier =>
  new shared.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));

export const eventResponse = (event: StoredEvent, structuredIds: boolean): streams.ReadResp => {
  const recorded = new streams.ReadResp.ReadEvent.RecordedEvent()
    .setId(makeUuid(event.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(event.streamId))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  recorded
    .getMetadataMap()
    .set('type', event.type)
    .set('content-type', event.contentType)
    .set('created', event.created.toString());
  const readEvent = new streams.ReadResp.ReadEvent()
    .setEvent(recorded)
    .setCommitPosition(event.position.toString());
  return new streams.ReadResp().setEvent(readEvent);
};

const matches = (expression: streams.ReadReq.Options.FilterOptions.Expression, value: string): boolean => {
  const prefixes = expression.getPrefixList();
  if (prefixes.length > 0 && !prefixes.some((p) => value.startsWith(p))) return false;
  const regex = expression.getRegex();
  return regex === '' || new RegExp(regex).test(value);
};

/** The server-side `$all` filter: on stream name or on event type, by prefixes or a regex. */
export const allFilter = (options: streams.ReadReq.Options): ((event: StoredEvent) => boolean) => {
  const filter = options.getFilter();
  if (!options.hasFilter() || filter === undefined) return () => true;
  const onStream = filter.getStreamIdentifier();
  if (onStream !== undefined) return (event) => matches(onStream, event.streamId);
  const onType = filter.getEventType();
  if (onType !== undefined) return (event) => matches(onType, event.type);
  return () => true;
};
