import * as E from 'fp-ts/Either';
import { OrderAggregate, handleCommand } from '../../src/application';
import { orderStreamId, type OutRefundNo, type SubMchid } from '../../src/domain';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  ctx,
  eventually,
  paidOrder,
  refund,
  right,
  withWorldAndRuntime,
} from '../support/runtime-harness';

const sub = SUB_MCHID as SubMchid;

/** The NeedsReview queue, and an operator's resolution with its audit trail. */
describe('resolving the NeedsReview queue', () => {
  let world: World;
  let runtime: Runtime;
  withWorldAndRuntime((w, r) => {
    world = w;
    runtime = r;
  });

  const context = (id: string) => ({
    commandId: id,
    correlationId: id,
    causationId: id,
    actor: 'test',
    now: new Date(world.clock.now()).toISOString(),
  });

  it('a flagged payment is listed, resolved by an operator with a note, and leaves the queue', async () => {
    const order = await paidOrder(runtime, 1000, 'review');
    const stream = orderStreamId(sub, order);
    right(
      await handleCommand(
        runtime.store,
        OrderAggregate,
        stream,
        {
          type: 'FlagForReview',
          reason: 'SourcesDisagree',
          detail: 'statement shows another amount',
          at: context('f').now,
        },
        context(`flag-${order}`),
      )(),
    );
    const listed = await eventually(async () => {
      const q = right(await runtime.api.reviewQueue()());
      return q.find((i) => i.outTradeNo === order);
    });
    expect(listed).toMatchObject({ kind: 'payment', reason: 'SourcesDisagree' });

    const resolved = right(
      await runtime.api.resolvePaymentReview(
        sub,
        order,
        { resolution: 'SUCCEEDED', note: 'checked with WeChat support' },
        { actor: 'ops:alice', correlationId: 'ticket-7' },
      )(),
    );
    expect(resolved.status).toBe('SUCCEEDED');
    const last = right(await runtime.store.readStream(stream, { direction: 'backwards', maxCount: 1 })())[0];
    expect(last?.type).toBe('OrderReviewResolved');
    expect(last?.data).toMatchObject({
      resolution: 'Succeeded',
      actor: 'ops:alice',
      note: 'checked with WeChat support',
    });
    await eventually(async () => {
      const q = right(await runtime.api.reviewQueue()());
      return q.some((i) => i.outTradeNo === order) ? undefined : true;
    });
  });

  it('a refund under review resolved CLOSED releases its reservation on the order', async () => {
    const order = await paidOrder(runtime, 1000, 'revref');
    const outRefundNo = `${order}-r` as OutRefundNo;
    right(await refund(runtime, order, outRefundNo, 300, 'SANDBOX_ABNORMAL card closed'));
    // The saga itself puts an ABNORMAL refund in review, its reservation held.
    const flagged = await eventually(async () => {
      const r = await runtime.api.getRefund(sub, outRefundNo)();
      return E.isRight(r) && r.right.status === 'NEEDS_REVIEW' ? r.right : undefined;
    });
    expect(flagged.review?.reason).toBe('Abnormal');

    const refusedAsPaid = await runtime.api.resolvePaymentReview(
      sub,
      order,
      { resolution: 'FAILED', note: 'wrong item' },
      ctx,
    )();
    expect(E.isLeft(refusedAsPaid) && refusedAsPaid.left._tag).toBe('DomainRejected');

    const resolved = right(
      await runtime.api.resolveRefundReview(
        sub,
        outRefundNo,
        { resolution: 'CLOSED', note: 'refund closed; paid back by bank transfer' },
        ctx,
      )(),
    );
    expect(resolved.status).toBe('CLOSED');
    const payment = await eventually(async () => {
      const p = right(await runtime.api.getPayment(sub, order)());
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(payment.refundedTotal.amount).toBe(0);
  });
});
