import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as t from 'io-ts';
import { Notification, Order, Refund } from '../../../src/domain';

/**
 * docs/events.md must describe exactly what the codecs and transition tables define: every event
 * type with its version and fields, and both state tables. This is what keeps it from drifting.
 */
const doc = readFileSync(join(__dirname, '../../../docs/events.md'), 'utf8');

/** The shape `defineEvent` builds: readonly(type({ type: literal, data: readonly(intersection([type, partial])) })). */
interface EventCodecShape {
  readonly type: {
    readonly props: {
      readonly type: { readonly value: string };
      readonly data: {
        readonly type: { readonly types: readonly [{ readonly props: object }, { readonly props: object }] };
      };
    };
  };
}

const describeCodec = (union: t.UnionType<t.Mixed[]>) =>
  union.types.map((codec) => {
    const shape = codec as unknown as EventCodecShape;
    const [required, optional] = shape.type.props.data.type.types;
    return {
      type: shape.type.props.type.value,
      required: Object.keys(required.props),
      optional: Object.keys(optional.props),
    };
  });

const versions = new Map<string, number>(
  [...Order.ORDER_EVENTS, ...Refund.REFUND_EVENTS, ...Notification.NOTIFICATION_EVENTS].map((d) => [
    d.type,
    d.version,
  ]),
);
const events = [
  ...describeCodec(Order.OrderEventCodec as unknown as t.UnionType<t.Mixed[]>),
  ...describeCodec(Refund.RefundEventCodec as unknown as t.UnionType<t.Mixed[]>),
  ...describeCodec(Notification.NotificationEventCodec as unknown as t.UnionType<t.Mixed[]>),
];

/** The text of a `### \`Type\` · vN` section, up to the next heading. */
const sectionOf = (type: string): string | undefined => {
  const start = doc.search(new RegExp(`^### \`${type}\` · v\\d+$`, 'm'));
  if (start < 0) return undefined;
  const rest = doc.slice(start);
  const bodyStart = rest.indexOf('\n') + 1;
  const next = rest.slice(bodyStart).search(/^##/m);
  return next < 0 ? rest : rest.slice(0, bodyStart + next);
};

/** Rows of the table under a `## …` heading: status → the backticked event names in the row. */
const stateTable = (heading: string): Record<string, string[]> => {
  const start = doc.indexOf(`## ${heading}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: Record<string, string[]> = {};
  for (const line of doc.slice(start).split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    const cells = line.split('|').map((c) => c.trim());
    const status = cells[1];
    if (!line.startsWith('|') || status === undefined || status === 'Status' || status.startsWith('---'))
      continue;
    rows[status] = [...(cells[2] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1] ?? '');
  }
  return rows;
};

const sorted = (table: Readonly<Record<string, readonly string[]>>) =>
  Object.fromEntries(Object.entries(table).map(([k, v]) => [k, [...v].sort()]));

describe('docs/events.md, the event catalogue', () => {
  it('reads every event type out of the codecs', () => {
    expect(events.map((e) => e.type).sort()).toEqual([...versions.keys()].sort());
  });

  it.each(events.map((e) => [e.type, e] as const))('documents %s with its version', (type) => {
    const section = sectionOf(type);
    if (section === undefined)
      throw new Error(`docs/events.md has no "### \`${type}\` · v${versions.get(type)}" section`);
    expect(section.split('\n')[0]).toBe(`### \`${type}\` · v${versions.get(type)}`);
  });

  it.each(events.map((e) => [e.type, e] as const))(
    'lists every field of %s, marking the optional ones',
    (type, e) => {
      const section = sectionOf(type) ?? '';
      const rows = new Map(
        section
          .split('\n')
          .filter((line) => line.startsWith('| `'))
          .map((line) => [line.split('`')[1] ?? '', line] as const),
      );
      expect([...rows.keys()].sort()).toEqual([...e.required, ...e.optional].sort());
      for (const field of e.optional) expect(rows.get(field)).toMatch(/optional/);
      for (const field of e.required) expect(rows.get(field)).not.toMatch(/optional/);
    },
  );

  it('documents no event that does not exist', () => {
    const documented = [...doc.matchAll(/^### `([A-Za-z]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...versions.keys()].sort());
  });

  it('gives the order state table exactly as ORDER_TRANSITIONS defines it', () => {
    expect(sorted(stateTable('Order state machine'))).toEqual(sorted(Order.ORDER_TRANSITIONS));
  });

  it('gives the refund state table exactly as REFUND_TRANSITIONS defines it', () => {
    expect(sorted(stateTable('Refund state machine'))).toEqual(sorted(Refund.REFUND_TRANSITIONS));
  });

  it('names both streams as the domain builds them', () => {
    expect(doc).toContain('`order-{subMchid}:{outTradeNo}`');
    expect(doc).toContain('`refund-{subMchid}:{outRefundNo}`');
  });

  it('documents every metadata field', () => {
    for (const field of ['correlationId', 'causationId', 'recordedAt', 'actor', 'schemaVersion']) {
      expect(doc).toContain(`| \`${field}\` |`);
    }
  });
});
