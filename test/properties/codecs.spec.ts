import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import type * as t from 'io-ts';
import { EventMetadataCodec, Order, Refund } from '../../src/domain';
import { isoArb } from '../support/arbitraries';
import { orderEventArb, refundEventArb } from './event-arbitraries';
import { throughJson } from './run-commands';

/**
 * Property (c): every event round-trips through its codec (encode → JSON → decode gives back an
 * equal event), and a stored event missing any required field is refused with that field named.
 */
const RUNS = 2_000;
/** Generous: the runs are many, and the machine may be shared; jest's default is 30 s. */
const PROPERTY_TIMEOUT_MS = 120_000;

const typesOf = (arb: fc.Arbitrary<{ readonly type: string }>) =>
  new Set(fc.sample(arb, { numRuns: 3_000, seed: 7 }).map((e) => e.type));

const fieldNamesIn = (errors: t.Errors): string[] => errors.flatMap((e) => e.context.map((c) => c.key));

/** Drops one required data field of a generated event, and checks the refusal names it. */
const missingFieldIsNamed = <A extends { readonly type: string; readonly data: object }>(
  codec: t.Type<A, unknown>,
  requiredOf: (type: string) => readonly string[],
  event: A,
): void => {
  for (const field of requiredOf(event.type)) {
    const { [field]: _dropped, ...data } = event.data as Record<string, unknown>;
    const result = codec.decode({ type: event.type, data });
    if (E.isRight(result)) throw new Error(`${event.type} decoded without its required ${field}`);
    expect(fieldNamesIn(result.left)).toContain(field);
  }
};

/** The required data fields of each event type, read from its codec (`defineEvent` builds them). */
const requiredFields = (definitions: readonly { readonly type: string; readonly codec: t.Mixed }[]) => {
  const byType = new Map<string, readonly string[]>();
  for (const d of definitions) {
    // readonly(type({ type, data: readonly(intersection([type(required), partial(optional)])) }))
    const outer = (
      d.codec as unknown as { type: { props: { data: { type: { types: [{ props: object }] } } } } }
    ).type;
    byType.set(d.type, Object.keys(outer.props.data.type.types[0].props));
  }
  return (type: string) => byType.get(type) ?? [];
};

describe('every event round-trips through its codec', () => {
  it('the generators cover every event type of both streams', () => {
    expect([...typesOf(orderEventArb)].sort()).toEqual(Order.ORDER_EVENTS.map((d) => d.type).sort());
    expect([...typesOf(refundEventArb)].sort()).toEqual(Refund.REFUND_EVENTS.map((d) => d.type).sort());
  });

  it(
    `order events: encode → JSON → decode gives the same event (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(orderEventArb, (event) => {
          expect(throughJson(Order.OrderEventCodec, event)).toEqual(event);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `refund events: encode → JSON → decode gives the same event (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(refundEventArb, (event) => {
          expect(throughJson(Refund.RefundEventCodec, event)).toEqual(event);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `event metadata round-trips too (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(
          fc.record({
            correlationId: fc.string(),
            causationId: fc.string(),
            recordedAt: isoArb,
            actor: fc.string(),
            schemaVersion: fc.nat(),
          }),
          (metadata) => {
            expect(throughJson(EventMetadataCodec, metadata)).toEqual(metadata);
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `a stored event missing a required field is refused, naming the field (${RUNS} runs)`,
    () => {
      const orderRequired = requiredFields(Order.ORDER_EVENTS);
      const refundRequired = requiredFields(Refund.REFUND_EVENTS);
      expect(orderRequired('OrderSubmitted')).toContain('authCodeMasked');
      fc.assert(
        fc.property(orderEventArb, refundEventArb, (orderEvent, refundEvent) => {
          missingFieldIsNamed(Order.OrderEventCodec, orderRequired, orderEvent);
          missingFieldIsNamed(Refund.RefundEventCodec, refundRequired, refundEvent);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('extra fields in a stored event are tolerated', () => {
    const [event] = fc.sample(orderEventArb, { numRuns: 1, seed: 1 });
    if (!event) throw new Error('no sample');
    const withExtra = { ...event, data: { ...event.data, addedLater: 'x' }, alsoNew: 1 };
    expect(E.isRight(Order.OrderEventCodec.decode(JSON.parse(JSON.stringify(withExtra))))).toBe(true);
  });
});
