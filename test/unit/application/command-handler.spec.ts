import * as E from 'fp-ts/Either';
import { createMemoryEventStore } from '../../../src/adapters/memory/event-store';
import { OrderAggregate, RefundAggregate } from '../../../src/application/aggregate';
import {
  type CommandContext,
  type RetryPolicy,
  defaultRetry,
  untilDeadline,
  handleCommand,
  loadAggregate,
} from '../../../src/application/command-handler';
import { canonicalJson, deterministicUuid, fingerprint } from '../../../src/application/deterministic-id';
import { Order, Refund, orderStreamId, refundStreamId } from '../../../src/domain';
import type {
  AppendError,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  StoreUnavailable,
} from '../../../src/ports';
import { observe, paid, reserveRefund, submitPayment } from '../domain/order/examples';
import { requestRefund } from '../domain/refund/examples';
import { T0, at, hkd, outTradeNo, refundNo, subMchid } from '../domain/shared/examples';

const streamId = orderStreamId(subMchid, outTradeNo);
const noWait: RetryPolicy = { attempts: 3, initialDelayMs: 0, factor: 1 };
let commands = 0;
const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  commandId: `command-${(commands += 1)}`,
  correlationId: 'request-42',
  causationId: 'http-request-42',
  actor: 'merchant:1900000109',
  now: T0,
  ...overrides,
});

interface Append {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
}

/**
 * The in-memory store, watched: every append is recorded, and `conflicts` fake conflicts (or
 * `lostAcks` appends that land but report the store unavailable) are injected before the real ones.
 */
const watchedStore = (inject: { conflicts?: number; lostAcks?: number; readFailures?: number } = {}) => {
  const store = createMemoryEventStore();
  const appends: Append[] = [];
  let reads = 0;
  let { conflicts = 0, lostAcks = 0, readFailures = 0 } = inject;
  const unavailable: StoreUnavailable = { _tag: 'StoreUnavailable', message: 'connection reset' };
  const watched: EventStore = {
    ...store,
    readStream: (id, options) => async () => {
      reads += 1;
      if (readFailures > 0) {
        readFailures -= 1;
        return E.left(unavailable);
      }
      return store.readStream(id, options)();
    },
    append: (id, events, expected) => async () => {
      appends.push({ streamId: id, events, expected });
      if (conflicts > 0) {
        conflicts -= 1;
        return E.left<AppendError>({ _tag: 'WrongExpectedVersion', streamId: id, expected, actual: 99 });
      }
      const result = await store.append(id, events, expected)();
      if (lostAcks > 0 && E.isRight(result)) {
        lostAcks -= 1;
        return E.left<AppendError>(unavailable);
      }
      return result;
    },
  };
  return { store: watched, appends, reads: () => reads, inner: store };
};

const stored = async (store: EventStore, id = streamId) => {
  const result = await store.readStream(id)();
  return E.isRight(result) ? result.right : [];
};

const handle = (store: EventStore, command: Order.OrderCommand, ctx = context(), retry = noWait) =>
  handleCommand(store, OrderAggregate, streamId, command, ctx, retry)();

const paidOrder = async (store: EventStore) => {
  for (const command of [
    submitPayment,
    { type: 'RecordDispatch', at: at(100) } as const,
    observe('pay', paid(), 1_000),
  ]) {
    expect(E.isRight(await handle(store, command))).toBe(true);
  }
};

describe('Command handler: load, fold, decide, append with the expected revision', () => {
  it('the first command of a stream is appended expecting no stream', async () => {
    const { store, appends } = watchedStore();
    const result = await handle(store, submitPayment);
    expect(E.isRight(result) && result.right.newEvents.map((e) => e.type)).toEqual(['OrderSubmitted']);
    expect(E.isRight(result) && result.right.revision).toBe(0);
    expect(E.isRight(result) && result.right.state.status).toBe('Submitted');
    expect(appends.map((a) => a.expected)).toEqual(['no-stream']);
  });

  it('later commands are appended expecting the revision they were decided on', async () => {
    const { store, appends } = watchedStore();
    await paidOrder(store);
    expect(appends.map((a) => a.expected)).toEqual(['no-stream', 0, 1]);
    expect((await stored(store)).map((e) => e.type)).toEqual([
      'OrderSubmitted',
      'OrderDispatched',
      'OrderObservationRecorded',
      'OrderSucceeded',
    ]);
  });

  it('decides against the folded history', async () => {
    const { store } = watchedStore();
    await paidOrder(store);
    const result = await handle(store, reserveRefund(refundNo(1), hkd(10_001), 2_000));
    expect(result).toEqual(
      E.left({
        _tag: 'DomainRejected',
        error: { _tag: 'RefundExceedsPaidTotal', refundable: 10_000, requested: 10_001 },
      }),
    );
  });

  it('a domain rejection appends nothing', async () => {
    const { store, appends } = watchedStore();
    const result = await handle(store, { type: 'RecordDispatch', at: at(0) });
    expect(result).toEqual(E.left({ _tag: 'DomainRejected', error: { _tag: 'OrderNotFound' } }));
    expect(appends).toEqual([]);
    expect(await stored(store)).toEqual([]);
  });

  it('a command that decides nothing appends nothing', async () => {
    const { store, appends } = watchedStore();
    await handle(store, submitPayment);
    const again = await handle(store, submitPayment);
    expect(E.isRight(again) && again.right.newEvents).toEqual([]);
    expect(appends).toHaveLength(1);
  });

  it('works for refunds as for orders', async () => {
    const { store } = watchedStore();
    const id = refundStreamId(subMchid, requestRefund.outRefundNo);
    const result = await handleCommand(store, RefundAggregate, id, requestRefund, context(), noWait)();
    expect(E.isRight(result) && result.right.state.status).toBe('Requested');
    expect((await stored(store, id)).map((e) => e.type)).toEqual(['RefundRequested']);
  });
});

describe('Command handler: concurrency conflicts', () => {
  it('a conflict is retried, and the retry succeeds', async () => {
    const { store, appends } = watchedStore({ conflicts: 1 });
    const result = await handle(store, submitPayment);
    expect(E.isRight(result)).toBe(true);
    expect(appends).toHaveLength(2);
    expect((await stored(store)).map((e) => e.type)).toEqual(['OrderSubmitted']);
  });

  it('retries are bounded: after the last attempt the conflict is returned', async () => {
    const { store, appends } = watchedStore({ conflicts: 10 });
    const result = await handle(store, submitPayment, context(), {
      attempts: 3,
      initialDelayMs: 0,
      factor: 1,
    });
    expect(E.isLeft(result) && result.left._tag).toBe('WrongExpectedVersion');
    expect(appends).toHaveLength(3);
    expect(await stored(store)).toEqual([]);
  });

  it('a retry re-decides against what the other writer appended', async () => {
    const { store, inner } = watchedStore();
    await paidOrder(store);
    // Both decide on the same revision; the second loses the race, reloads and is refused.
    const [a, b] = await Promise.all([
      handle(store, reserveRefund(refundNo(1), hkd(6_000), 2_000)),
      handle(store, reserveRefund(refundNo(2), hkd(6_000), 2_000)),
    ]);
    const outcomes = [a, b].map((r) =>
      E.isRight(r) ? 'reserved' : r?.left._tag === 'DomainRejected' ? r.left.error._tag : r?.left._tag,
    );
    expect(outcomes.sort()).toEqual(['RefundExceedsPaidTotal', 'reserved']);
    expect((await stored(inner)).filter((e) => e.type === 'RefundReserved')).toHaveLength(1);
  });

  it('the default policy tries 3 times, backing off from about 100 ms, ×1.5, with jitter', async () => {
    jest.useFakeTimers();
    // The longest jitter each time: with random jitter two short back-offs could both fit in one step.
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      const { store, appends } = watchedStore({ conflicts: 10 });
      expect(defaultRetry).toEqual({ attempts: 3, initialDelayMs: 100, factor: 1.5 });
      const pending = handleCommand(store, OrderAggregate, streamId, submitPayment, context())();
      await jest.advanceTimersByTimeAsync(49);
      expect(appends).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(101); // first back-off: 100 ms × [0.5, 1.5)
      expect(appends).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(225); // second: 150 ms × [0.5, 1.5)
      expect(appends).toHaveLength(3);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(appends).toHaveLength(3);
      const result = await pending;
      expect(E.isLeft(result) && result.left._tag).toBe('WrongExpectedVersion');
    } finally {
      random.mockRestore();
      jest.useRealTimers();
    }
  });

  it('a caller with a deadline retries conflicts until they stop, however many there are', async () => {
    const { store, appends } = watchedStore({ conflicts: 40 });
    const result = await handle(store, submitPayment, context(), untilDeadline(5_000));
    expect(E.isRight(result)).toBe(true);
    expect(appends).toHaveLength(41);
    expect((await stored(store)).map((e) => e.type)).toEqual(['OrderSubmitted']);
  });

  it('a caller with a deadline gets the conflict once the deadline has passed, and nothing is appended', async () => {
    const { store, appends } = watchedStore({ conflicts: Number.MAX_SAFE_INTEGER });
    const started = Date.now();
    const result = await handle(store, submitPayment, context(), untilDeadline(300));
    expect(E.isLeft(result) && result.left._tag).toBe('WrongExpectedVersion');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(appends.length).toBeGreaterThan(3);
    expect(await stored(store)).toEqual([]);
  });

  it('a store that cannot be read is reported, not retried as a conflict', async () => {
    const { store, reads, appends } = watchedStore({ readFailures: 1 });
    const result = await handle(store, submitPayment);
    expect(result).toEqual(E.left({ _tag: 'StoreUnavailable', message: 'connection reset' }));
    expect(reads()).toBe(1);
    expect(appends).toEqual([]);
  });
});

describe('Command handler: idempotency (event ids derived from the command)', () => {
  it('a command retried with the same commandId appends nothing twice', async () => {
    const { store } = watchedStore();
    await paidOrder(store);
    const ctx = context({ commandId: 'reserve-R1' });
    const first = await handle(store, reserveRefund(refundNo(1), hkd(1_000), 2_000), ctx);
    const second = await handle(store, reserveRefund(refundNo(1), hkd(1_000), 2_000), ctx);
    expect(E.isRight(first) && first.right.newEvents).toHaveLength(1);
    expect(E.isRight(second) && second.right.newEvents).toEqual([]);
    expect((await stored(store)).filter((e) => e.type === 'RefundReserved')).toHaveLength(1);
  });

  it('a command whose append landed but whose acknowledgement was lost is not applied again', async () => {
    const { store, inner } = watchedStore({ lostAcks: 1 });
    const ctx = context({ commandId: 'submit-1' });
    const lost = await handle(store, submitPayment, ctx);
    expect(E.isLeft(lost) && lost.left._tag).toBe('StoreUnavailable');
    const retried = await handle(store, submitPayment, ctx);
    expect(E.isRight(retried) && retried.right.newEvents).toEqual([]);
    expect(await stored(inner)).toHaveLength(1);
  });

  it('even a command that would now decide differently is not applied twice under the same id', async () => {
    const { store } = watchedStore();
    await paidOrder(store);
    const ctx = context({ commandId: 'release-R1' });
    await handle(store, reserveRefund(refundNo(1), hkd(1_000), 2_000));
    await handle(
      store,
      { type: 'ReleaseRefund', outRefundNo: refundNo(1), reason: 'closed', at: at(3_000) },
      ctx,
    );
    const again = await handle(
      store,
      { type: 'ReleaseRefund', outRefundNo: refundNo(1), reason: 'other', at: at(4_000) },
      ctx,
    );
    expect(E.isRight(again) && again.right.newEvents).toEqual([]);
    expect((await stored(store)).filter((e) => e.type === 'RefundReservationReleased')).toHaveLength(1);
  });

  it('event ids are UUIDs derived from the command id, the stream and the position in the decision', async () => {
    const { store } = watchedStore();
    await handle(store, submitPayment, context({ commandId: 'submit-1' }));
    await handle(store, { type: 'RecordDispatch', at: at(100) }, context({ commandId: 'dispatch-1' }));
    await handle(store, observe('pay', paid(), 1_000), context({ commandId: 'answer-1' }));
    const ids = (await stored(store)).map((e) => e.id);
    expect(ids).toEqual([
      deterministicUuid('submit-1', streamId, '0'),
      deterministicUuid('dispatch-1', streamId, '0'),
      deterministicUuid('answer-1', streamId, '0'),
      deterministicUuid('answer-1', streamId, '1'),
    ]);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('Command handler: metadata', () => {
  it('every event carries correlation, causation, recorded-at, actor and its schema version', async () => {
    const { store } = watchedStore();
    await handle(
      store,
      submitPayment,
      context({
        commandId: 'a',
        correlationId: 'corr-7',
        causationId: 'cause-7',
        actor: 'cashier:3',
        now: '2026-03-02T08:00:05.000Z',
      }),
    );
    const [event] = await stored(store);
    expect(event?.metadata).toEqual({
      correlationId: 'corr-7',
      causationId: 'cause-7',
      recordedAt: '2026-03-02T08:00:05.000Z',
      actor: 'cashier:3',
      schemaVersion: Order.OrderSubmitted.version,
    });
  });

  it('knows the schema version of every event type of both aggregates', () => {
    for (const d of Order.ORDER_EVENTS) expect(OrderAggregate.versions[d.type]).toBe(d.version);
    for (const d of Refund.REFUND_EVENTS) expect(RefundAggregate.versions[d.type]).toBe(d.version);
  });
});

describe('Command handler: loading', () => {
  it('a missing stream loads as the initial state, expecting no stream', async () => {
    const { store } = watchedStore();
    const loaded = await loadAggregate(store, OrderAggregate)(streamId)();
    expect(loaded).toEqual(E.right({ state: Order.initialState(), revision: 'no-stream', events: [] }));
  });

  it('reads only the events after the state it last folded, and sees what another writer appended', async () => {
    const inner = createMemoryEventStore();
    const reads: (number | undefined)[] = [];
    const store: EventStore = {
      ...inner,
      readStream: (id, options) => {
        reads.push(options?.fromRevision);
        return inner.readStream(id, options);
      },
    };
    await handle(store, submitPayment);
    await handle(store, { type: 'RecordDispatch', at: at(100) });
    const first = await loadAggregate(store, OrderAggregate)(streamId)();
    // Another process on the same store: its append goes past this loader's cache.
    const other = { ...inner };
    await handle(other, observe('pay', paid(), 1_000));
    const second = await loadAggregate(store, OrderAggregate)(streamId)();
    const fresh = await loadAggregate({ ...inner }, OrderAggregate)(streamId)();

    // Submit finds no stream; dispatch reads it whole; then only what follows revision 0, then 1.
    expect(reads).toEqual([undefined, undefined, 1, 2]);
    expect(E.isRight(first) && first.right.revision).toBe(1);
    expect(second).toEqual(fresh);
    expect(E.isRight(second) && second.right.state.status).toBe('Succeeded');
    expect(E.isRight(second) && second.right.events.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
  });

  it('a stored event that no longer decodes is reported with its stream, revision and field', async () => {
    const { store } = watchedStore();
    await handle(store, submitPayment);
    await store.append(
      streamId,
      [
        {
          id: '11111111-1111-4111-8111-111111111111',
          type: 'OrderDispatched',
          data: { when: 'now' },
          metadata: { correlationId: 'c', causationId: 'c', recordedAt: T0, actor: 'x', schemaVersion: 1 },
        },
      ],
      0,
    )();
    const result = await handle(store, { type: 'RecordDispatch', at: at(100) });
    expect(result).toEqual(
      E.left({
        _tag: 'CorruptEvent',
        streamId,
        revision: 1,
        message: expect.stringContaining('dispatchedAt'),
      }),
    );
  });
});

describe('Deterministic ids and fingerprints', () => {
  it('the same parts always give the same RFC 4122 version-5-shaped UUID; different parts, different ones', () => {
    const id = deterministicUuid('a', 'b');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('a', 'b')).toBe(id);
    expect(deterministicUuid('ab')).not.toBe(id);
    expect(deterministicUuid('a', 'b', '0')).not.toBe(deterministicUuid('a', 'b', '1'));
  });

  it('a fingerprint ignores key order and undefined fields, but not values', () => {
    expect(fingerprint({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      fingerprint({ b: { d: 'x', c: [1, 2] }, a: 1, e: undefined }),
    );
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(canonicalJson({ b: 1, a: [null, 'x'] })).toBe('{"a":[null,"x"],"b":1}');
  });
});
