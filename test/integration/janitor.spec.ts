import * as E from 'fp-ts/Either';
import { verifyReplay } from '../../src/application/audit';
import { orderStreamId, unsafeMoney } from '../../src/domain';
import type { AuthCode, OutTradeNo, SubMchid } from '../../src/domain';
import type { PaymentView, ReviewItem, WeChatPayGateway } from '../../src/ports';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  authCode,
  control,
  ctx,
  eventually,
  newOutTradeNo,
  right,
  startRuntime,
  startWorld,
} from '../support/runtime-harness';

/**
 * Unclear answers never exhaust the pay saga, and the janitor settles what stayed unclear: against
 * the sandbox over real HTTP with real signatures, at 25× business time (the janitor's first delay,
 * 1 min, is 2.4 s of real time).
 */
const sub = SUB_MCHID as SubMchid;

interface LedgerEntry {
  readonly outTradeNo: string;
  readonly kind: 'PAYMENT' | 'REFUND';
  readonly amount: number;
}

const ledgerOf = async (world: World, outTradeNo: string): Promise<[string, number][]> => {
  const ledger = (await control(world, 'GET', '/sandbox/ledger')) as { entries: LedgerEntry[] };
  return ledger.entries.filter((e) => e.outTradeNo === outTradeNo).map((e) => [e.kind, e.amount]);
};

const historyOf = async (runtime: Runtime, outTradeNo: OutTradeNo) =>
  right(await runtime.store.readStream(orderStreamId(sub, outTradeNo as never))());

const startPayment = (runtime: Runtime, outTradeNo: OutTradeNo, code: string) =>
  runtime.api.createPayment(
    {
      subMchid: sub,
      outTradeNo,
      authCode: code as AuthCode,
      amount: unsafeMoney(1234, 'HKD'),
      description: 'Janitor - coffee',
    },
    ctx,
    60_000,
  )();

const statusOf = async (runtime: Runtime, outTradeNo: OutTradeNo): Promise<PaymentView> =>
  right(await runtime.api.getPayment(sub, outTradeNo)());

const reviewItemOf = async (runtime: Runtime, outTradeNo: string): Promise<ReviewItem | undefined> => {
  const items = await runtime.api.reviewQueue()();
  return E.isRight(items) ? items.right.find((i) => i.outTradeNo === outTradeNo) : undefined;
};

/** After the pay answer is in, every API call answers 500 until the test lifts the fault. */
const failEverythingAfterPay =
  (world: World) =>
  (gateway: WeChatPayGateway): WeChatPayGateway => ({
    ...gateway,
    pay: (request) => async () => {
      const answer = await gateway.pay(request)();
      await control(world, 'POST', '/sandbox/faults', { errorRate: 1 });
      return answer;
    },
  });

describe('three transient reverse failures on a paid order', () => {
  let world: World;
  let runtime: Runtime;
  beforeAll(async () => {
    world = await startWorld();
    // The first reverse is refused while the customer is still paying; the next two get a 500.
    runtime = await startRuntime(world, {
      wrapGateway: (gateway) => {
        let reverses = 0;
        return {
          ...gateway,
          reverse: (ref) => async () => {
            const answer = await gateway.reverse(ref)();
            reverses += 1;
            if (reverses === 1) await control(world, 'POST', '/sandbox/faults/reverse', { errors: 2 });
            return answer;
          },
        };
      },
    });
  });
  afterAll(async () => {
    await runtime.stop();
    await world.close();
  });

  it('ends REVERSED (never in review), queried before any flag, and the sandbox ledger agrees', async () => {
    const outTradeNo = newOutTradeNo('rv3') as OutTradeNo;
    // Scenario 04: USERPAYING, paid 40 s after the pay call; a reverse meanwhile is refused "during payment".
    const view = right(await startPayment(runtime, outTradeNo, authCode('04', 40)));
    expect(view.status).toBe('REVERSED');
    const events = await historyOf(runtime, outTradeNo);
    const types = events.map((e) => e.type);
    expect(types).not.toContain('OrderFlaggedForReview');
    const attemptData = events
      .filter((e) => e.type === 'OrderReversalAttempted')
      .map((e) => e.data as { outcome: string; message?: string });
    // Refused during payment, two 500s, the query that found the customer had paid, then the reverse that refunded them.
    expect(attemptData.map((d) => [d.outcome, d.message?.match(/TRADE_ERROR|500/)?.[0]])).toEqual([
      ['Unknown', 'TRADE_ERROR'],
      ['Unknown', '500'],
      ['Unknown', '500'],
      ['Accepted', undefined],
    ]);
    // The last retry delay (20 s) was waited before that query.
    const lastUnclear = events.filter((e) => e.type === 'OrderReversalAttempted')[2];
    const query = events[types.lastIndexOf('OrderReversalAttempted') - 1];
    expect(
      Date.parse((query?.data as { observedAt: string }).observedAt) -
        Date.parse((lastUnclear?.data as { observedAt: string }).observedAt),
    ).toBeGreaterThanOrEqual(20_000);
    const last = types.lastIndexOf('OrderReversalAttempted');
    expect(events[last - 1]).toMatchObject({
      type: 'OrderObservationRecorded',
      data: { source: 'query', observation: { kind: 'Paid' } },
    });
    // The customer paid and the reverse refunded them: the money at WeChat is back to zero.
    expect(await ledgerOf(world, outTradeNo)).toEqual([
      ['PAYMENT', 1234],
      ['REFUND', 1234],
    ]);
  });
});

describe('the janitor for orders', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });
  afterEach(async () => {
    await control(world, 'POST', '/sandbox/faults', { errorRate: 0 });
  });

  /** Pays (the customer pays 5 s later), then every answer is a 500 until the order is flagged. */
  const flaggedUnclear = async (runtime: Runtime, tag: string): Promise<OutTradeNo> => {
    const outTradeNo = newOutTradeNo(tag) as OutTradeNo;
    const view = right(await startPayment(runtime, outTradeNo, authCode('01', 5)));
    expect(view.status).toBe('NEEDS_REVIEW');
    const item = await eventually(() => reviewItemOf(runtime, outTradeNo));
    expect(item).toMatchObject({ reason: 'OutcomeUnclear', awaits: 'janitor', janitor: { attempts: 0 } });
    // The janitor's first attempt is 1 min after the flag.
    expect(Date.parse(item.janitor?.nextAttemptAt ?? '') - Date.parse(item.flaggedAt)).toBe(60_000);
    return outTradeNo;
  };

  /** The janitor's resolution, preceded by the verified answer that justifies it. */
  const expectResolvedByJanitor = async (runtime: Runtime, outTradeNo: OutTradeNo): Promise<void> => {
    const events = await historyOf(runtime, outTradeNo);
    const resolved = events.findIndex((e) => e.type === 'OrderReviewResolved');
    expect(events[resolved]).toMatchObject({ data: { resolution: 'Reversed', actor: 'janitor' } });
    expect(events[resolved - 1]).toMatchObject({
      type: 'OrderObservationRecorded',
      data: { source: 'query', observation: { kind: 'Revoked' } },
    });
    // The read model follows the log: wait for it to drop the item.
    await eventually(async () =>
      (await reviewItemOf(runtime, outTradeNo)) === undefined ? true : undefined,
    );
    // The customer had paid; the janitor's reverse refunded them, as the ledger shows.
    expect(await ledgerOf(world, outTradeNo)).toEqual([
      ['PAYMENT', 1234],
      ['REFUND', 1234],
    ]);
  };

  it('flags OutcomeUnclear while answers fail, then resolves it itself once they are clear', async () => {
    const runtime = await startRuntime(world, { wrapGateway: failEverythingAfterPay(world) });
    try {
      const outTradeNo = await flaggedUnclear(runtime, 'jan');
      await control(world, 'POST', '/sandbox/faults', { errorRate: 0 });
      const settled = await eventually(async () => {
        const v = await statusOf(runtime, outTradeNo);
        return v.status === 'NEEDS_REVIEW' ? undefined : v;
      }, 20_000);
      expect(settled.status).toBe('REVERSED');
      await expectResolvedByJanitor(runtime, outTradeNo);
      const report = right(await verifyReplay(runtime.store)());
      expect(report.problems).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });

  it('a restart in the middle of the janitor’s work resumes it', async () => {
    const first = await startRuntime(world, { wrapGateway: failEverythingAfterPay(world) });
    let outTradeNo: OutTradeNo;
    try {
      outTradeNo = await flaggedUnclear(first, 'janr');
    } finally {
      await first.stop();
    }
    await control(world, 'POST', '/sandbox/faults', { errorRate: 0 });
    const second = await startRuntime(world);
    try {
      const settled = await eventually(async () => {
        const v = await statusOf(second, outTradeNo);
        return v.status === 'NEEDS_REVIEW' ? undefined : v;
      }, 20_000);
      expect(settled.status).toBe('REVERSED');
      await expectResolvedByJanitor(second, outTradeNo);
    } finally {
      await second.stop();
    }
  });
});
