import * as t from 'io-ts';

/**
 * What every stored event carries besides its own data: who asked (actor), which request it
 * belongs to (correlation), what caused it (causation: the command or event id), when it was
 * recorded, and its schema version. The application fills it in; the domain never reads a clock.
 */
export const EventMetadataCodec = t.readonly(
  t.type({
    correlationId: t.string,
    causationId: t.string,
    recordedAt: t.string,
    actor: t.string,
    schemaVersion: t.number,
  }),
  'EventMetadata',
);
/** Equal in shape to the EventStore port's EventMetadata; this is the decoded, checked form. */
export type DecodedEventMetadata = t.TypeOf<typeof EventMetadataCodec>;

/** An event type with its schema version and codec; the version is stored in event metadata. */
export interface EventDefinition<Type extends string, Data> {
  readonly type: Type;
  readonly version: number;
  readonly codec: t.Type<{ readonly type: Type; readonly data: Data }, unknown>;
}

export const defineEvent = <Type extends string, P extends t.Props>(
  type: Type,
  version: number,
  props: P,
  optional: t.Props = {},
) => {
  const data = t.intersection([t.type(props), t.partial(optional)]);
  return {
    type,
    version,
    codec: t.readonly(t.type({ type: t.literal(type), data: t.readonly(data) }), type),
  };
};

/** ISO 8601 date-time as written by `Date.prototype.toISOString` (and WeChat's RFC 3339). */
export const IsoDateTimeCodec = t.refinement(t.string, (s) => !Number.isNaN(Date.parse(s)), 'IsoDateTime');

export const millisBetween = (fromIso: string, toIso: string): number =>
  Date.parse(toIso) - Date.parse(fromIso);
export const addMillis = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
