import * as E from 'fp-ts/Either';
import type { AuthCode, OutTradeNo, SubMchid } from '../../src/domain';
import { unsafeMoney } from '../../src/domain';
import type { EventStore, SagaLeases, WeChatPayGateway } from '../../src/ports';
import { createMemoryEventStore } from '../../src/adapters/memory/event-store';
import { createMemoryReadModelStore } from '../../src/adapters/memory/read-model-store';
import { createMemorySagaLeases } from '../../src/adapters/memory/saga-leases';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  authCode,
  ctx,
  eventually,
  newOutTradeNo,
  right,
  startRuntime,
  startWorld,
} from '../support/runtime-harness';

/**
 * The pay is sent by the instance that took the request (it alone holds the auth code), while
 * another instance owns the saga. Here instance A never owns anything and B owns everything, so
 * every pay taken by A is a hand-over:
 * - A's dispatch is held up past the owner's grace: B abandons the order, and A's dispatch then
 *   loses the stream's compare-and-set, so the pay is never sent (at most once, by construction);
 * - A's pay is slow to answer: B keeps off until A's answer is recorded, then polls; no call of B's
 *   overlaps A's pay.
 */
jest.setTimeout(60_000);

const sub = SUB_MCHID as SubMchid;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Call {
  readonly instance: string;
  readonly operation: string;
  readonly outTradeNo: string;
  readonly startedAt: number;
  endedAt?: number;
}

describe('the instance holding the auth code sends the pay, the owner takes over after', () => {
  let world: World;
  let a: Runtime;
  let b: Runtime;
  const calls: Call[] = [];
  const store = createMemoryEventStore();
  const readModels = createMemoryReadModelStore();
  const leases = createMemorySagaLeases();
  /** A holds no partition, ever. */
  const nothing: SagaLeases = {
    ...leases,
    claim: () => async () => E.right({ held: [], validForMs: 60_000, instances: 2 }),
  };
  let holdDispatchMs = 0;
  let holdPayMs = 0;

  const recording =
    (instance: string) =>
    (gateway: WeChatPayGateway): WeChatPayGateway => {
      const wrap =
        (operation: 'pay' | 'queryOrder' | 'reverse') => (ref: { outTradeNo: string }) => async () => {
          const call: Call = {
            instance,
            operation,
            outTradeNo: ref.outTradeNo,
            startedAt: performance.now(),
          };
          calls.push(call);
          if (operation === 'pay' && holdPayMs > 0) await sleep(holdPayMs);
          const outcome = await (gateway[operation] as (r: typeof ref) => () => Promise<unknown>)(ref)();
          call.endedAt = performance.now();
          return outcome;
        };
      return {
        ...gateway,
        pay: wrap('pay'),
        queryOrder: wrap('queryOrder'),
        reverse: wrap('reverse'),
      } as WeChatPayGateway;
    };

  beforeAll(async () => {
    world = await startWorld();
    const shared = (id: string, l: SagaLeases) => ({ id, store, readModels, leases: l, leaseTtlMs: 5_000 });
    b = await startRuntime(world, {
      instance: shared('b', leases),
      client: { readRetry: { attempts: 1 } },
      wrapGateway: recording('b'),
    });
    a = await startRuntime(world, {
      instance: shared('a', nothing),
      client: { readRetry: { attempts: 1 } },
      wrapGateway: recording('a'),
      // A's dispatch (OrderDispatched) can be held up, as a slow or stalled process would.
      wrapStore: (s: EventStore): EventStore => ({
        ...s,
        append: (streamId, events, expected) => async () => {
          if (holdDispatchMs > 0 && events.some((e) => e.type === 'OrderDispatched'))
            await sleep(holdDispatchMs);
          return s.append(streamId, events, expected)();
        },
      }),
    });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await world.close();
  });

  const pay = (outTradeNo: OutTradeNo, scenario: string, seconds = 0) =>
    a.api.createPayment(
      {
        subMchid: sub,
        outTradeNo,
        authCode: authCode(scenario, seconds) as AuthCode,
        amount: unsafeMoney(1_500, 'HKD'),
        description: 'Hand-over',
      },
      ctx,
    )();

  /** The payment as the owner reads it once it has this status; on a timeout, its log and calls say why. */
  const settledAs = (outTradeNo: OutTradeNo, status: string) =>
    eventually(async () => {
      const v = await b.api.getPayment(sub, outTradeNo)();
      return E.isRight(v) && v.right.status === status ? v.right : undefined;
    }, 20_000).catch(async (e: unknown) => {
      const log = right(await store.readStream(`order-${sub}:${outTradeNo}`)());
      const events = log.map((x) => [x.type, x.metadata.actor, x.metadata.recordedAt]);
      const made = calls.filter((c) => c.outTradeNo === outTradeNo);
      throw new Error(`${String(e)}: ${JSON.stringify(events)} ${JSON.stringify(made)}`);
    });

  it('a dispatch held past the grace is abandoned by the owner, and the pay is never sent', async () => {
    expect(a.core.instance.partitions()).toEqual([]);
    expect(b.core.instance.partitions()).toHaveLength(32);
    holdDispatchMs = 6_500; // the owner's grace is 5 s
    const outTradeNo = newOutTradeNo('held') as OutTradeNo;
    right(await pay(outTradeNo, '00'));
    const settled = await settledAs(outTradeNo, 'FAILED');
    holdDispatchMs = 0;
    // A's dispatch lands after the abandon, loses the compare-and-set, and sends nothing.
    await sleep(2_500);
    expect(calls.filter((c) => c.outTradeNo === outTradeNo)).toEqual([]);
    expect(settled.status).toBe('FAILED');
    const log = right(await store.readStream(`order-${sub}:${outTradeNo}`)());
    expect(log.map((e) => e.type)).toEqual(['OrderSubmitted', 'OrderFailed']);
    expect(log[1]?.metadata.actor).toBe('pay-saga');
  });

  it('a slow pay answer: the owner polls only after it is recorded, never alongside it', async () => {
    // 300 ms real is 7.5 s of business time: past the owner's first poll (5 s), within the deadline (30 s).
    holdPayMs = 300;
    const outTradeNo = newOutTradeNo('slow') as OutTradeNo;
    right(await pay(outTradeNo, '01', 6));
    const settled = await settledAs(outTradeNo, 'SUCCEEDED');
    holdPayMs = 0;
    expect(settled.status).toBe('SUCCEEDED');
    const mine = calls.filter((c) => c.outTradeNo === outTradeNo);
    const payCall = mine.filter((c) => c.operation === 'pay');
    expect(payCall).toHaveLength(1);
    expect(payCall[0]?.instance).toBe('a');
    const byOwner = mine.filter((c) => c.instance === 'b');
    expect(byOwner.length).toBeGreaterThan(0);
    // Every call of the owner starts after the holder's pay has ended.
    for (const c of byOwner) expect(c.startedAt).toBeGreaterThan(payCall[0]!.endedAt!);
    expect(mine.filter((c) => c.instance === 'a')).toEqual(payCall);
  });
});
