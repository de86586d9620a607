import { verifyReplay } from '../../src/application/audit';
import { refundStreamId, type OutRefundNo, type SubMchid } from '../../src/domain';
import type { RecordedEvent, ReviewItem } from '../../src/ports';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  control,
  eventually,
  paidOrder,
  refund,
  refundStatus,
  right,
  startRuntime,
  startWorld,
} from '../support/runtime-harness';

/**
 * Refunds that always end, against the sandbox over real HTTP with real signatures (25× business
 * time): ABNORMAL goes to review and the janitor settles it from WeChat's later answer; refusals
 * "for now" back off and are bounded.
 */

const eventsOf = async (runtime: Runtime, outRefundNo: string): Promise<readonly RecordedEvent[]> =>
  right(await runtime.store.readStream(refundStreamId(SUB_MCHID as SubMchid, outRefundNo as OutRefundNo))());

const reviewOf = async (runtime: Runtime, outRefundNo: string): Promise<ReviewItem | undefined> =>
  right(await runtime.api.reviewQueue()()).find((i) => i.outRefundNo === outRefundNo);

const payment = async (runtime: Runtime, order: string) =>
  right(await runtime.api.getPayment(SUB_MCHID as SubMchid, order as never)());

const observationKinds = (events: readonly RecordedEvent[], source: string): string[] =>
  events
    .filter((e) => e.type === 'RefundObservationRecorded')
    .map((e) => e.data as { source: string; observation: { kind: string } })
    .filter((d) => d.source === source)
    .map((d) => d.observation.kind);

const dispatchTimes = (events: readonly RecordedEvent[]): number[] =>
  events
    .filter((e) => e.type === 'RefundDispatched')
    .map((e) => Date.parse((e.data as { dispatchedAt: string }).dispatchedAt));

describe('ABNORMAL refunds and the janitor, against the sandbox', () => {
  let world: World;
  let runtime: Runtime;
  beforeAll(async () => {
    world = await startWorld();
    runtime = await startRuntime(world);
    // Only queries reach us: what settles the refund is the janitor's own question to WeChat.
    await control(world, 'POST', '/sandbox/notifications/faults', { drop: true });
  });
  afterAll(async () => {
    await runtime.stop();
    await world.close();
  });

  it('ABNORMAL goes to review; WeChat’s later SUCCESS resolves it through the janitor and only then confirms the reservation', async () => {
    const order = await paidOrder(runtime, 1000);
    const no = `${order}-ab`;
    right(await refund(runtime, order, no, 400, 'SANDBOX_ABNORMAL'));

    const item = await eventually(async () => {
      const i = await reviewOf(runtime, no);
      return i?.janitor?.nextAttemptAt !== undefined ? i : undefined;
    }, 20_000);
    expect(item).toMatchObject({ kind: 'refund', reason: 'Abnormal', awaits: 'janitor' });
    expect(item.detail).toContain('ABNORMAL');
    expect(await refundStatus(runtime, no)).toBe('NEEDS_REVIEW');
    // Held: neither refunded nor refundable again.
    const held = await payment(runtime, order);
    expect(held.refundedTotal.amount).toBe(0);
    expect(held.pendingRefundTotal.amount).toBe(400);

    // WeChat pays it out now; the janitor learns it at its next query.
    await control(world, 'POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: no,
      status: 'SUCCESS',
    });
    await eventually(
      async () => ((await refundStatus(runtime, no)) === 'SUCCEEDED' ? true : undefined),
      30_000,
    );
    const events = await eventsOf(runtime, no);
    const resolvedAt = events.findIndex((e) => e.type === 'RefundReviewResolved');
    expect(events[resolvedAt]?.data).toMatchObject({ resolution: 'Succeeded', actor: 'janitor' });
    // The verified answer that justifies it is recorded just before.
    expect(events[resolvedAt - 1]?.data).toMatchObject({
      source: 'query',
      observation: { kind: 'Succeeded', amount: { amount: 400, currency: 'HKD' } },
    });
    expect(events.some((e) => e.type === 'RefundSucceeded')).toBe(false);
    const settled = await eventually(async () => {
      const p = await payment(runtime, order);
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(settled.refundedTotal.amount).toBe(400);
    // The review queue is a projection: it follows shortly.
    await eventually(async () => ((await reviewOf(runtime, no)) === undefined ? true : undefined));

    const report = right(await verifyReplay(runtime.store)());
    expect(report.problems).toEqual([]);
  }, 60_000);

  it('an ABNORMAL refund that WeChat closes later is released by the janitor, and becomes refundable again', async () => {
    const order = await paidOrder(runtime, 1000);
    const no = `${order}-ac`;
    right(await refund(runtime, order, no, 1000, 'SANDBOX_ABNORMAL'));
    await eventually(
      async () => ((await reviewOf(runtime, no))?.awaits === 'janitor' ? true : undefined),
      20_000,
    );
    await control(world, 'POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: no,
      status: 'REFUNDCLOSE',
    });
    await eventually(async () => ((await refundStatus(runtime, no)) === 'CLOSED' ? true : undefined), 30_000);
    const released = await eventually(async () => {
      const p = await payment(runtime, order);
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(released.refundedTotal.amount).toBe(0);
    const resolved = (await eventsOf(runtime, no)).find((e) => e.type === 'RefundReviewResolved');
    expect(resolved?.data).toMatchObject({ resolution: 'Closed', actor: 'janitor' });
  }, 60_000);
});

describe('refusals for now (NOT_ENOUGH), against the sandbox', () => {
  let world: World;
  let runtime: Runtime;
  // Short delays so that business minutes fit a test: 10 s, doubled, capped at 40 s; 4 refusals at most.
  const policy = { retryAfterMs: 10_000, retryBackoffCapMs: 40_000, maxRetryableRefusals: 4 };
  beforeAll(async () => {
    world = await startWorld();
    runtime = await startRuntime(world, { refundPolicy: policy });
  });
  afterAll(async () => {
    await control(world, 'POST', '/sandbox/refunds/refusals', { code: null });
    await runtime.stop();
    await world.close();
  });

  it('NOT_ENOUGH three times, then accepted: backs off 10, 20, 40 s with the same out_refund_no and ends SUCCEEDED', async () => {
    const order = await paidOrder(runtime, 1000);
    const no = `${order}-ne`;
    await control(world, 'POST', '/sandbox/refunds/refusals', { code: 'NOT_ENOUGH', count: 3 });
    right(await refund(runtime, order, no, 300));
    await eventually(
      async () => ((await refundStatus(runtime, no)) === 'SUCCEEDED' ? true : undefined),
      30_000,
    );
    const events = await eventsOf(runtime, no);
    expect(observationKinds(events, 'submit')).toEqual(['Retryable', 'Retryable', 'Retryable', 'Processing']);
    const times = dispatchTimes(events);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps).toHaveLength(3);
    [10_000, 20_000, 40_000].forEach((delay, i) => expect(gaps[i]).toBeGreaterThanOrEqual(delay));
    expect(events.some((e) => e.type === 'RefundFlaggedForReview')).toBe(false);
    const p = await eventually(async () => {
      const x = await payment(runtime, order);
      return x.pendingRefundTotal.amount === 0 ? x : undefined;
    });
    expect(p.refundedTotal.amount).toBe(300);
  }, 60_000);

  it('beyond the bound: RetriesExhausted for the janitor, which resubmits the same number once WeChat has funds', async () => {
    const order = await paidOrder(runtime, 1000);
    const no = `${order}-rx`;
    await control(world, 'POST', '/sandbox/refunds/refusals', { code: 'NOT_ENOUGH', count: 100 });
    right(await refund(runtime, order, no, 200));
    const item = await eventually(async () => {
      const i = await reviewOf(runtime, no);
      return i?.reason === 'RetriesExhausted' ? i : undefined;
    }, 30_000);
    expect(item).toMatchObject({ awaits: 'janitor' });
    expect(item.detail).toContain('NOT_ENOUGH');
    const flagged = await eventsOf(runtime, no);
    expect(observationKinds(flagged, 'submit')).toEqual(['Retryable', 'Retryable', 'Retryable', 'Retryable']);
    // Reservation held while in review.
    expect((await payment(runtime, order)).pendingRefundTotal.amount).toBe(200);

    await control(world, 'POST', '/sandbox/refunds/refusals', { code: null });
    await eventually(
      async () => ((await refundStatus(runtime, no)) === 'SUCCEEDED' ? true : undefined),
      30_000,
    );
    const events = await eventsOf(runtime, no);
    // Four refused submissions, then the janitor's one resubmission of the same out_refund_no.
    expect(dispatchTimes(events)).toHaveLength(5);
    expect(observationKinds(events, 'submit').at(-1)).toBe('Processing');
    expect(events.find((e) => e.type === 'RefundReviewResolved')?.data).toMatchObject({
      resolution: 'Succeeded',
      actor: 'janitor',
    });
    const p = await eventually(async () => {
      const x = await payment(runtime, order);
      return x.pendingRefundTotal.amount === 0 ? x : undefined;
    });
    expect(p.refundedTotal.amount).toBe(200);
    const report = right(await verifyReplay(runtime.store)());
    expect(report.problems).toEqual([]);
  }, 60_000);
});

describe('the janitor’s timers survive a restart', () => {
  let world: World;
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    world = await startWorld();
    await control(world, 'POST', '/sandbox/notifications/faults', { drop: true });
  });
  afterAll(async () => {
    await runtime?.stop();
    await world.close();
  });

  it('an ABNORMAL refund in review is resumed after a restart and resolved by the janitor', async () => {
    runtime = await startRuntime(world);
    const order = await paidOrder(runtime, 1000);
    const no = `${order}-rs`;
    right(await refund(runtime, order, no, 500, 'SANDBOX_ABNORMAL'));
    await eventually(async () => {
      const i = await reviewOf(runtime as Runtime, no);
      return i?.janitor?.nextAttemptAt !== undefined ? true : undefined;
    }, 20_000);
    await runtime.stop();
    runtime = undefined;

    await control(world, 'POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: no,
      status: 'SUCCESS',
    });
    runtime = await startRuntime(world);
    const restarted = runtime;
    await eventually(
      async () => ((await refundStatus(restarted, no)) === 'SUCCEEDED' ? true : undefined),
      30_000,
    );
    expect(
      (await eventsOf(restarted, no)).find((e) => e.type === 'RefundReviewResolved')?.data,
    ).toMatchObject({
      resolution: 'Succeeded',
      actor: 'janitor',
    });
    const p = await eventually(async () => {
      const x = await payment(restarted, order);
      return x.pendingRefundTotal.amount === 0 ? x : undefined;
    });
    expect(p.refundedTotal.amount).toBe(500);
  }, 60_000);
});
