import * as E from 'fp-ts/Either';
import { Refund, refundStreamId, type OutRefundNo, type OutTradeNo, type SubMchid } from '../../src/domain';
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
  withWorldAndRuntime,
} from '../support/runtime-harness';

/** The refund saga and notification intake against the sandbox, at 100× business time. */
describe('refund saga against the sandbox', () => {
  let world: World;
  let runtime: Runtime;
  withWorldAndRuntime((w, r) => {
    world = w;
    runtime = r;
  });
  afterEach(async () => {
    await control(world, 'POST', '/sandbox/notifications/faults', {
      duplicate: false,
      reorder: false,
      drop: false,
      probeSignature: false,
      delayMs: 0,
    });
  });

  const eventsOf = async (outRefundNo: string) =>
    right(
      await runtime.store.readStream(refundStreamId(SUB_MCHID as SubMchid, outRefundNo as OutRefundNo))(),
    );

  it('a partial refund is settled by WeChat’s notification, and the payment shows it refunded', async () => {
    const order = await paidOrder(runtime, 1000);
    const created = right(await refund(runtime, order, `${order}-r1`, 300));
    expect(['REQUESTED', 'PROCESSING']).toContain(created.status);
    await eventually(async () =>
      (await refundStatus(runtime, `${order}-r1`)) === 'SUCCEEDED' ? true : undefined,
    );
    const events = await eventsOf(`${order}-r1`);
    const succeeded = events.find((e) => e.type === 'RefundSucceeded');
    expect((succeeded?.data as { source: string }).source).toBe('notification');
    // The saga then confirms the reservation on the order.
    const payment = await eventually(async () => {
      const p = right(await runtime.api.getPayment(SUB_MCHID as SubMchid, order)());
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(payment.refundedTotal).toEqual({ amount: 300, currency: 'HKD' });
  });

  it('a refund whose notifications are dropped is settled by polling', async () => {
    await control(world, 'POST', '/sandbox/notifications/faults', { drop: true });
    const order = await paidOrder(runtime, 1000);
    right(await refund(runtime, order, `${order}-r1`, 250));
    await eventually(async () =>
      (await refundStatus(runtime, `${order}-r1`)) === 'SUCCEEDED' ? true : undefined,
    );
    const events = await eventsOf(`${order}-r1`);
    expect((events.find((e) => e.type === 'RefundSucceeded')?.data as { source: string }).source).toBe(
      'query',
    );
  });

  it('a duplicated notification changes nothing twice', async () => {
    await control(world, 'POST', '/sandbox/notifications/faults', { duplicate: true });
    const order = await paidOrder(runtime, 1000);
    right(await refund(runtime, order, `${order}-r1`, 100));
    await eventually(async () =>
      (await refundStatus(runtime, `${order}-r1`)) === 'SUCCEEDED' ? true : undefined,
    );
    // Wait until the sandbox has delivered the duplicate too.
    await eventually(async () => {
      const deliveries = (await control(world, 'GET', '/sandbox/notifications')) as {
        deliveries: { attempts: { status?: number }[] }[];
      };
      const acknowledged = deliveries.deliveries
        .flatMap((d) => d.attempts)
        .filter((a) => a.status === 200).length;
      return acknowledged >= 2 ? true : undefined;
    });
    const events = await eventsOf(`${order}-r1`);
    expect(events.filter((e) => e.type === 'RefundSucceeded')).toHaveLength(1);
    const payment = await eventually(async () => {
      const p = right(await runtime.api.getPayment(SUB_MCHID as SubMchid, order)());
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(payment.refundedTotal.amount).toBe(100);
  });

  it('a notification first sent with a probe signature is refused, and its genuine retry is applied', async () => {
    await control(world, 'POST', '/sandbox/notifications/faults', { probeSignature: true });
    const order = await paidOrder(runtime, 1000);
    right(await refund(runtime, order, `${order}-r1`, 100));
    await eventually(async () =>
      (await refundStatus(runtime, `${order}-r1`)) === 'SUCCEEDED' ? true : undefined,
    );
    const deliveries = (await control(world, 'GET', '/sandbox/notifications')) as {
      deliveries: { attempts: { status?: number; signature: string }[] }[];
    };
    const probes = deliveries.deliveries.flatMap((d) => d.attempts).filter((a) => a.signature === 'probe');
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((a) => a.status !== undefined && a.status >= 400)).toBe(true);
  });

  it('a forged notification is refused and changes nothing', async () => {
    const before = right(await runtime.store.readAll()());
    const response = await fetch(runtime.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': String(Math.floor(world.clock.now() / 1000)),
        'wechatpay-nonce': 'forgedforgedforgedforgedforged12',
        'wechatpay-serial': world.sandbox.credentials.platformSerial,
        'wechatpay-signature': Buffer.from('not a signature').toString('base64'),
      },
      body: JSON.stringify({ id: 'forged-1', event_type: 'REFUND.SUCCESS', resource: {} }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(((await response.json()) as { code: string }).code).toBe('FAIL');
    const after = right(await runtime.store.readAll()());
    expect(after.filter((e) => e.streamId.startsWith('notification-forged'))).toHaveLength(0);
    const notifications = (events: typeof before) =>
      events.filter((e) => e.streamId.startsWith('notification-')).length;
    expect(notifications(after)).toBe(notifications(before));
    expect(after.some((e) => (e.data as { notificationId?: string }).notificationId === 'forged-1')).toBe(
      false,
    );
  });

  it('partial refunds up to the total succeed, spaced ≥ 70 s apart by scheduling, none refused 429; one more is refused', async () => {
    const order = await paidOrder(runtime, 1000);
    right(await refund(runtime, order, `${order}-a`, 400));
    right(await refund(runtime, order, `${order}-b`, 600));
    const over = await refund(runtime, order, `${order}-c`, 1);
    expect(E.isLeft(over) && over.left._tag === 'DomainRejected' && over.left.error._tag).toBe(
      'RefundExceedsPaidTotal',
    );
    await eventually(
      async () => ((await refundStatus(runtime, `${order}-b`)) === 'SUCCEEDED' ? true : undefined),
      20_000,
    );
    expect(await refundStatus(runtime, `${order}-a`)).toBe('SUCCEEDED');
    const dispatchedAt = async (no: string) =>
      Date.parse(
        ((await eventsOf(no)).find((e) => e.type === 'RefundDispatched')?.data as { dispatchedAt: string })
          .dispatchedAt,
      );
    const gap = Math.abs((await dispatchedAt(`${order}-b`)) - (await dispatchedAt(`${order}-a`)));
    // WeChat's minute plus the policy's margin, measured on our clock from our dispatch.
    expect(gap).toBeGreaterThanOrEqual(Refund.defaultRefundPolicy.minSpacingMs);
    expect(Refund.defaultRefundPolicy.minSpacingMs).toBeGreaterThan(60_000);
    const b = await eventsOf(`${order}-b`);
    expect(b.some((e) => e.type === 'RefundSubmitScheduled')).toBe(true);
    // Neither submission was refused for spacing (429 FREQUENCY_LIMITED) or anything else for now.
    for (const no of [`${order}-a`, `${order}-b`]) {
      const refusals = (await eventsOf(no)).filter(
        (e) =>
          e.type === 'RefundObservationRecorded' &&
          (e.data as { observation: { kind: string } }).observation.kind === 'Retryable',
      );
      expect(refusals).toEqual([]);
      expect((await eventsOf(no)).filter((e) => e.type === 'RefundDispatched')).toHaveLength(1);
    }
    const payment = await eventually(async () => {
      const p = right(await runtime.api.getPayment(SUB_MCHID as SubMchid, order as OutTradeNo)());
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(payment.refundedTotal.amount).toBe(1000);
  });
});
