import * as E from 'fp-ts/Either';
import {
  orderStreamId,
  unsafeMoney,
  type AuthCode,
  type OutRefundNo,
  type OutTradeNo,
  type SubMchid,
} from '../../src/domain';
import { verifyReplay } from '../../src/application';
import { createFreezer, createPayCounter } from '../support/freezer';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  authCode,
  control,
  ctx,
  eventually,
  newOutTradeNo,
  paidOrder,
  right,
  startRuntime,
  startWorld,
} from '../support/runtime-harness';

/**
 * Kill the runtime at every step of the pay and refund sagas, start again on the same store, and
 * compare with the uninterrupted run: same outcome, never a second pay for one out_trade_no, and the
 * sandbox's ledger equal to our read models to the cent. "Every step" = right after each append;
 * each step twice: once with a gateway call already under way (its answer is lost), once with
 * nothing more sent.
 */
jest.setTimeout(240_000);

const MAX_STEPS = 25;
const sub = SUB_MCHID as SubMchid;

describe('crash and restart at every step', () => {
  let world: World;
  const payCounter = createPayCounter();
  const dead: Runtime[] = [];
  beforeAll(async () => {
    world = await startWorld();
    // Notifications to a killed process fail; the restarted one settles refunds by polling.
  });
  afterAll(async () => {
    await world.close();
  });

  const finalStatus = async (runtime: Runtime, outTradeNo: OutTradeNo): Promise<string> =>
    eventually(async () => {
      const p = await runtime.api.getPayment(sub, outTradeNo)();
      return E.isRight(p) &&
        ['SUCCEEDED', 'FAILED', 'REVERSED', 'CLOSED', 'NEEDS_REVIEW'].includes(p.right.status)
        ? p.right.status
        : undefined;
    }, 30_000);

  const startPayment = (runtime: Runtime, outTradeNo: OutTradeNo, code: string) =>
    runtime.api.createPayment(
      {
        subMchid: sub,
        outTradeNo,
        authCode: code as AuthCode,
        amount: unsafeMoney(1234, 'HKD'),
        description: 'Crash - coffee',
      },
      ctx,
    )();

  /** Runs the pay scenario with a crash after `step` appends; undefined when it finished first. */
  const payWithCrash = async (scenario: string, seconds: number, step: number, gatewayToo: boolean) => {
    const freezer = createFreezer();
    const a = await startRuntime(world, {
      wrapStore: freezer.wrapStore,
      wrapGateway: (g) => freezer.wrapGateway(payCounter.wrap(g)),
    });
    const outTradeNo = newOutTradeNo(`crash${scenario}`) as OutTradeNo;
    freezer.arm(step, gatewayToo);
    void startPayment(a, outTradeNo, authCode(scenario, seconds));
    const completedFirst = await Promise.race([
      freezer.frozen.then(() => false),
      finalStatus(a, outTradeNo).then(() => !freezer.isFrozen()),
    ]);
    await a.kill();
    dead.push(a);
    if (completedFirst) return undefined;
    const b = await startRuntime(world, { wrapGateway: payCounter.wrap });
    try {
      const status = await finalStatus(b, outTradeNo);
      // What WeChat knows decides what the right outcome is: a request lost with the process never created an order.
      const atWeChat = await b.gateway.queryOrder({ subMchid: sub, outTradeNo })();
      const history = right(await b.store.readStream(orderStreamId(sub, outTradeNo))()).map((e) => e.type);
      return { outTradeNo, status, reachedWeChat: atWeChat._tag !== 'NotFound', history };
    } finally {
      await b.stop();
    }
  };

  const uninterrupted = async (scenario: string, seconds: number): Promise<string> => {
    const r = await startRuntime(world, { wrapGateway: payCounter.wrap });
    try {
      const outTradeNo = newOutTradeNo(`clean${scenario}`) as OutTradeNo;
      right(await startPayment(r, outTradeNo, authCode(scenario, seconds)));
      return await finalStatus(r, outTradeNo);
    } finally {
      await r.stop();
    }
  };

  describe.each([
    ['01', 12, 'USERPAYING then paid'],
    ['03', 0, 'never paid, so reversed'],
  ])('pay scenario %s (%s s: %s)', (scenario, seconds) => {
    it.each([false, true])('every step, with the gateway frozen too: %s', async (gatewayToo) => {
      const expected = await uninterrupted(scenario, seconds);
      let steps = 0;
      for (let step = 1; step <= MAX_STEPS; step += 1) {
        const result = await payWithCrash(scenario, seconds, step, gatewayToo);
        if (!result) break;
        steps += 1;
        // Killed before the pay request reached WeChat, the payment cannot have happened: it fails, honestly.
        expect({ step, status: result.status, history: result.history }).toEqual({
          step,
          status: result.reachedWeChat ? expected : 'FAILED',
          history: result.history,
        });
        expect(payCounter.count(result.outTradeNo)).toBeLessThanOrEqual(1);
      }
      expect(steps).toBeGreaterThan(3);
    });
  });

  it('the refund saga, killed at every step, settles the refund exactly once', async () => {
    let steps = 0;
    for (let step = 1; step <= MAX_STEPS; step += 1) {
      const setup = await startRuntime(world, { wrapGateway: payCounter.wrap });
      const order = await paidOrder(setup, 1000, 'crashrefund');
      await setup.stop();
      const freezer = createFreezer();
      const a = await startRuntime(world, { wrapStore: freezer.wrapStore, wrapGateway: freezer.wrapGateway });
      const outRefundNo = `${order}-r` as OutRefundNo;
      freezer.arm(step, step % 2 === 0);
      void a.api.createRefund(
        { subMchid: sub, outTradeNo: order, outRefundNo, amount: unsafeMoney(300, 'HKD') },
        ctx,
      )();
      const settled = (r: Runtime) =>
        eventually(async () => {
          const p = await r.api.getPayment(sub, order)();
          return E.isRight(p) &&
            p.right.refundedTotal.amount === 300 &&
            p.right.pendingRefundTotal.amount === 0
            ? p.right
            : undefined;
        }, 30_000);
      const completedFirst = await Promise.race([
        freezer.frozen.then(() => false),
        settled(a).then(() => !freezer.isFrozen()),
      ]);
      await a.kill();
      dead.push(a);
      if (completedFirst) break;
      steps += 1;
      const b = await startRuntime(world);
      try {
        const payment = await settled(b);
        expect(payment.refunds).toHaveLength(1);
        expect(payment.refunds[0]?.status).toBe('SUCCEEDED');
      } finally {
        await b.stop();
      }
    }
    expect(steps).toBeGreaterThan(3);
  });

  it('leaves the sandbox ledger equal to our read models, to the cent', async () => {
    const r = await startRuntime(world);
    try {
      const ledger = (await control(world, 'GET', '/sandbox/ledger')) as {
        balances: { subMchid: string; currency: string; paid: number; refunded: number }[];
      };
      const theirs = ledger.balances.find((b) => b.subMchid === SUB_MCHID && b.currency === 'HKD');
      expect(theirs).toBeDefined();
      await eventually(async () => {
        const days = right(
          await r.readModels.list('daily_summary', { where: { subMchid: SUB_MCHID, currency: 'HKD' } })(),
        );
        const ours = days.reduce((sum, d) => sum + Number(d['net']), 0);
        return ours === (theirs?.paid ?? 0) - (theirs?.refunded ?? 0) ? true : undefined;
      });
    } finally {
      await r.stop();
    }
  });
});

describe('replay --verify on the store the integration runs produced', () => {
  it('passes on a real history, and fails on the same store with one planted illegal event', async () => {
    const world = await startWorld();
    const r = await startRuntime(world);
    try {
      const order = await paidOrder(r, 1000, 'replay');
      right(
        await r.api.createRefund(
          {
            subMchid: sub,
            outTradeNo: order,
            outRefundNo: `${order}-r` as OutRefundNo,
            amount: unsafeMoney(400, 'HKD'),
          },
          ctx,
        )(),
      );
      const reversed = newOutTradeNo('replayrev') as OutTradeNo;
      right(
        await r.api.createPayment(
          {
            subMchid: sub,
            outTradeNo: reversed,
            authCode: authCode('03') as AuthCode,
            amount: unsafeMoney(500, 'HKD'),
            description: 'Replay - never paid',
          },
          ctx,
          20_000,
        )(),
      );
      await eventually(async () => {
        const p = await r.api.getPayment(sub, order)();
        return E.isRight(p) && p.right.refundedTotal.amount === 400 ? true : undefined;
      });
      const clean = right(await verifyReplay(r.store)());
      expect(clean.problems).toEqual([]);
      expect(clean.events).toBeGreaterThan(10);

      // A success recorded after the reversal: an illegal transition that replay must report.
      const stream = orderStreamId(sub, reversed);
      const last = right(await r.store.readStream(stream, { direction: 'backwards', maxCount: 1 })())[0];
      right(
        await r.store.append(
          stream,
          [
            {
              id: '00000000-0000-4000-8000-000000000001',
              type: 'OrderSucceeded',
              data: {
                source: 'query',
                transactionId: '4200000000000000000000000001',
                amount: { amount: 500, currency: 'HKD' },
                observedAt: new Date().toISOString(),
              },
              metadata: {
                correlationId: 'planted',
                causationId: 'planted',
                recordedAt: new Date().toISOString(),
                actor: 'test',
                schemaVersion: 1,
              },
            },
          ],
          last?.revision ?? 'any',
        )(),
      );
      const planted = right(await verifyReplay(r.store)());
      expect(planted.problems).toEqual([
        expect.objectContaining({ streamId: stream, type: 'OrderSucceeded', rule: 'transition' }),
      ]);
    } finally {
      await r.stop();
      await world.close();
    }
  });
});
