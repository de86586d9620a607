import * as E from 'fp-ts/Either';
import { verifyReplay } from '../../src/application';
import {
  unsafeMoney,
  type AuthCode,
  type OutRefundNo,
  type OutTradeNo,
  type SubMchid,
} from '../../src/domain';
import type { EventStore, PaymentView, SagaLeases, WeChatPayGateway } from '../../src/ports';
import { createMemoryEventStore } from '../../src/adapters/memory/event-store';
import { createMemoryReadModelStore } from '../../src/adapters/memory/read-model-store';
import { createMemorySagaLeases } from '../../src/adapters/memory/saga-leases';
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
 * Three instances of the core on one shared log (a memory store and lease table shared in this
 * process; the PostgreSQL run with real processes is test/e2e/scale-out.e2e.spec.ts), the sandbox as
 * WeChat over real HTTP. Requests go round-robin; two instances "die" mid-run: from that instant
 * nothing of theirs moves (calls, appends and lease claims hang), as with kill -9. Every call to
 * WeChat is recorded with the instance that made it, so a saga driven by two instances at once, or
 * a pay sent twice, shows even where deterministic event ids would hide it in the log.
 */
jest.setTimeout(180_000);

const sub = SUB_MCHID as SubMchid;
/** The harness's calls time out in 1.5 s; sent once (no read retries here), a step fits in 2 s: TTL 5 s. */
const LEASE_TTL_MS = 5_000;
const FINAL = ['SUCCEEDED', 'FAILED', 'REVERSED', 'CLOSED'];
const EXPECTED: Readonly<Record<string, string>> = {
  SUCCESS: 'SUCCEEDED',
  REFUND: 'SUCCEEDED',
  REVOKED: 'REVERSED',
  CLOSED: 'CLOSED',
  PAYERROR: 'FAILED',
};
/** [scenario, seconds]: pays at once, after a password, fails, never pays, errors, answers lost. */
const MIX: readonly (readonly [string, number])[] = [
  ['00', 0],
  ['01', 6],
  ['02', 6],
  ['03', 0],
  ['10', 0],
  ['20', 3],
  ['30', 0],
  ['41', 0],
  ['04', 40],
];

interface Call {
  readonly instance: string;
  readonly operation: string;
  readonly key: string;
  readonly startedAt: number;
  endedAt?: number;
}

const never = <A>(): Promise<A> => new Promise<A>(() => undefined);

/** One instance: a runtime whose calls, appends and claims can all be frozen at once (its death). */
const startInstance = async (
  world: World,
  id: string,
  shared: {
    store: EventStore;
    readModels: ReturnType<typeof createMemoryReadModelStore>;
    leases: SagaLeases;
  },
  calls: Call[],
) => {
  let isDead = false;
  const freezeTask = <F extends (...args: never[]) => () => Promise<unknown>>(f: F): F =>
    ((...args: Parameters<F>) =>
      () =>
        isDead ? never() : f(...args)()) as F;
  const keyOf = (arg: unknown): string => {
    const a = arg as { outRefundNo?: string; outTradeNo?: string };
    return a.outRefundNo ?? a.outTradeNo ?? '';
  };
  const record =
    (gateway: WeChatPayGateway) =>
    (operation: 'pay' | 'queryOrder' | 'reverse' | 'refund' | 'queryRefund') =>
    (arg: never) =>
    async () => {
      if (isDead) return never();
      const call: Call = { instance: id, operation, key: keyOf(arg), startedAt: performance.now() };
      calls.push(call);
      const outcome = await (gateway[operation] as (a: never) => () => Promise<unknown>)(arg)();
      call.endedAt = performance.now();
      if (isDead) return never();
      return outcome;
    };
  const runtime: Runtime = await startRuntime(world, {
    instance: {
      id,
      store: shared.store,
      readModels: shared.readModels,
      leases: shared.leases,
      leaseTtlMs: LEASE_TTL_MS,
    },
    client: { readRetry: { attempts: 1 } },
    wrapStore: (store) => ({ ...store, append: freezeTask(store.append) }),
    wrapGateway: (gateway) => {
      const r = record(gateway);
      return {
        ...gateway,
        pay: r('pay'),
        queryOrder: r('queryOrder'),
        reverse: r('reverse'),
        refund: r('refund'),
        queryRefund: r('queryRefund'),
      } as WeChatPayGateway;
    },
  });
  return {
    id,
    runtime,
    isDead: () => isDead,
    /** kill -9: nothing more leaves this instance, nothing is released. */
    kill: async () => {
      isDead = true;
      await runtime.kill();
    },
  };
};
type Instance = Awaited<ReturnType<typeof startInstance>>;

describe('several instances on one log: owned sagas, takeover, any instance answers', () => {
  let world: World;
  const instances: Instance[] = [];
  const calls: Call[] = [];
  const leases = createMemorySagaLeases();
  const store = createMemoryEventStore();
  const readModels = createMemoryReadModelStore();
  const frozenLeases = (id: () => Instance | undefined): SagaLeases => ({
    ...leases,
    claim: (request) => () => (id()?.isDead() ? never() : leases.claim(request)()),
  });

  beforeAll(async () => {
    world = await startWorld();
    for (const id of ['a', 'b', 'c']) {
      const own = frozenLeases(() => instances.find((i) => i.id === id));
      instances.push(await startInstance(world, id, { store, readModels, leases: own }, calls));
    }
  });
  afterAll(async () => {
    for (const i of instances) if (!i.isDead()) await i.runtime.stop();
    await world.close();
  });

  const live = () => instances.filter((i) => !i.isDead());
  let turn = 0;
  const next = (): Instance => {
    const l = live();
    return l[turn++ % l.length]!;
  };
  const other = (than: Instance): Instance => live().find((i) => i !== than) ?? than;
  const view = async (outTradeNo: OutTradeNo): Promise<PaymentView | undefined> => {
    const p = await next().runtime.api.getPayment(sub, outTradeNo)();
    return E.isRight(p) ? p.right : undefined;
  };
  const partitionsHeld = () => live().reduce((n, i) => n + i.runtime.core.instance.partitions().length, 0);

  it('takes payments and refunds on every instance, survives two deaths, and no saga is driven twice at once', async () => {
    // The three share the partitions fairly once the first one's surplus has expired.
    await eventually(
      async () =>
        partitionsHeld() === 32 &&
        instances.every((i) => Math.abs(i.runtime.core.instance.partitions().length - 32 / 3) < 1)
          ? true
          : undefined,
      LEASE_TTL_MS * 4,
    );

    const orders: OutTradeNo[] = [];
    const waits: { ms: number; settled: boolean; withDeath: boolean }[] = [];
    const refunds: string[] = [];
    const takeovers: number[] = [];

    const pay = async (n: number): Promise<void> => {
      const [scenario, seconds] = MIX[n % MIX.length]!;
      const outTradeNo = newOutTradeNo(`so${n}`) as OutTradeNo;
      orders.push(outTradeNo);
      const taker = next();
      right(
        await taker.runtime.api.createPayment(
          {
            subMchid: sub,
            outTradeNo,
            authCode: authCode(scenario, seconds) as AuthCode,
            amount: unsafeMoney(1_000 + n, 'HKD'),
            description: 'Scale-out',
          },
          ctx,
        )(),
      );
      // Waiting on another instance than the one that took it: it answers when the payment settles.
      if (scenario === '01' || scenario === '00') {
        const started = performance.now();
        const waiter = other(taker);
        const waited = await waiter.runtime.api.waitForPayment(sub, outTradeNo, 20_000)();
        waits.push({
          ms: performance.now() - started,
          settled: E.isRight(waited) && FINAL.includes(waited.right.status),
          // A wait on an instance that died meanwhile (in this process it lingers) is not evidence.
          withDeath: waiter.isDead() || taker.isDead(),
        });
        if (E.isRight(waited) && waited.right.status === 'SUCCEEDED') {
          const outRefundNo = `R${outTradeNo}`.slice(0, 32) as OutRefundNo;
          refunds.push(outRefundNo);
          right(
            await next().runtime.api.createRefund(
              { subMchid: sub, outTradeNo, outRefundNo, amount: unsafeMoney(100, 'HKD') },
              ctx,
            )(),
          );
        }
      }
    };

    const kill = async (victim: Instance): Promise<void> => {
      const killedAt = performance.now();
      await victim.kill();
      // Takeover: the survivors hold every partition again.
      void eventually(async () => (partitionsHeld() === 32 ? true : undefined), LEASE_TTL_MS * 6).then(() =>
        takeovers.push(performance.now() - killedAt),
      );
    };

    const PAYMENTS = 36;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (n < PAYMENTS) {
        const i = n++;
        if (i === 12) await kill(instances[0]!);
        if (i === 24) await kill(instances[1]!);
        await pay(i);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));

    const finals = await eventually(async () => {
      const views = await Promise.all(orders.map(view));
      return views.every(
        (v) => v !== undefined && FINAL.includes(v.status) && v.pendingRefundTotal.amount === 0,
      )
        ? (views as PaymentView[])
        : undefined;
    }, 150_000);
    await eventually(async () => (takeovers.length === 2 ? true : undefined), LEASE_TTL_MS * 6);

    // Every payment and refund as WeChat holds it.
    const truth = (await control(world, 'GET', '/sandbox/orders')) as {
      orders: { outTradeNo: string; tradeState: string }[];
    };
    const atWeChat = new Map(truth.orders.map((o) => [o.outTradeNo, o.tradeState]));
    const mismatches = finals.filter(
      (v) => v.status !== (EXPECTED[atWeChat.get(v.outTradeNo) ?? ''] ?? 'FAILED'),
    );
    const refundTruth = (await control(world, 'GET', '/sandbox/refunds')) as {
      refunds: { outRefundNo: string; status: string }[];
    };
    const refundAtWeChat = new Map(refundTruth.refunds.map((r) => [r.outRefundNo, r.status]));
    const refundMismatches = finals
      .flatMap((v) => v.refunds)
      .filter((r) => !(r.status === 'SUCCEEDED' && refundAtWeChat.get(r.outRefundNo) === 'SUCCESS'));

    // Pay at most once per order, and the calls of one saga never overlap across instances. (A saga
    // may move back and forth: the instance that took the pay sends it, then hands over to the
    // owner; a partition moves when the instances rebalance.)
    const byKey = new Map<string, Call[]>();
    for (const c of calls) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
    const paidTwice = [...byKey.entries()].filter(
      ([, cs]) => cs.filter((c) => c.operation === 'pay').length > 1,
    );
    const overlaps: string[] = [];
    for (const [key, cs] of byKey) {
      for (const x of cs)
        for (const y of cs)
          if (x.instance !== y.instance && x.startedAt < y.startedAt && (x.endedAt ?? Infinity) > y.startedAt)
            overlaps.push(`${key}: ${x.operation}@${x.instance} overlaps ${y.operation}@${y.instance}`);
    }

    const log = right(await store.readAll()());
    const replay = right(await verifyReplay(store)());
    const figures = {
      payments: finals.length,
      refunds: refunds.length,
      kills: 2,
      mismatches: mismatches.length + refundMismatches.length,
      calls: calls.length,
      takeoverMs: takeovers.map(Math.round),
      waitAcrossInstancesMs: waits
        .filter((w) => !w.withDeath)
        .map((w) => Math.round(w.ms))
        .sort((a, b) => a - b),
      events: log.length,
    };
    console.log(`scale-out (in process): ${JSON.stringify(figures)}`);
    expect(mismatches).toEqual([]);
    expect(refundMismatches).toEqual([]);
    expect(paidTwice).toEqual([]);
    expect(overlaps).toEqual([]);
    expect(replay.problems).toEqual([]);
    // Every wait answered because its payment settled (the longest scenario takes 6 s of business
    // time, a quarter of a second here), never at its 20 s timeout.
    const evidence = waits.filter((w) => !w.withDeath);
    expect(evidence.length).toBeGreaterThanOrEqual(3);
    expect(evidence.every((w) => w.settled && w.ms < 10_000)).toBe(true);
    // Takeover within the lease's TTL and a claim round or two.
    expect(takeovers).toHaveLength(2);
    for (const ms of takeovers) expect(ms).toBeLessThan(LEASE_TTL_MS + 3_000);
  });
});
