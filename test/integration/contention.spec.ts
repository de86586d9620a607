import type { EventStore } from '../../src/ports';
import type { SubMchid } from '../../src/domain';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  eventually,
  paidOrder,
  right,
  startRuntime,
  startWorld,
} from '../support/runtime-harness';

/** Appends take as long as a synced write on a slow disk, so concurrent requests really overlap. */
const slowAppends = (store: EventStore): EventStore => ({
  ...store,
  append: (streamId, events, expected) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 15));
    return store.append(streamId, events, expected)();
  },
});

/**
 * Many merchant requests on one order at once, over the merchant API's HTTP, against the sandbox:
 * every one gets the answer it deserves (accepted, or refused for a business reason), never a 5xx
 * because another request appended to the order first.
 */
describe('contention on one order', () => {
  let world: World;
  let runtime: Runtime;
  beforeAll(async () => {
    world = await startWorld();
    runtime = await startRuntime(world, { wrapStore: slowAppends });
  });
  afterAll(async () => {
    await runtime.stop();
    await world.close();
  });

  const post = async (path: string, body: unknown) => {
    const base = runtime.webhookUrl.replace('/notifications/wechatpay', '');
    const response = await fetch(`${base}/v1${path}`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer integration-test-token-0123456789',
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { code?: string } };
  };

  it('50 concurrent refunds on one order: no 5xx, and the sum stays within the paid total', async () => {
    const paid = 5_000;
    const order = await paidOrder(runtime, paid, 'race');
    // 50 refunds of 150 ask for 7,500 of a 5,000 payment: 33 fit, the rest must be refused.
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(`/payments/${SUB_MCHID}/${order}/refunds`, {
          out_refund_no: `${order}-c${i}`,
          amount: { refund: 150, currency: 'HKD' },
        }),
      ),
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const accepted = answers.filter((a) => a.status === 200 || a.status === 201 || a.status === 202);
    const refused = answers.filter((a) => a.status >= 400);
    expect(accepted).toHaveLength(Math.floor(paid / 150));
    expect(new Set(refused.map((a) => a.body.code))).toEqual(new Set(['REFUND_EXCEEDS_PAID_TOTAL']));

    const payment = await eventually(async () => {
      const p = right(await runtime.api.getPayment(SUB_MCHID as SubMchid, order)());
      return p.refunds.length === accepted.length ? p : undefined;
    });
    const reserved = payment.refunds.reduce((sum, r) => sum + r.amount.amount, 0);
    expect(reserved).toBe(accepted.length * 150);
    expect(reserved).toBeLessThanOrEqual(paid);
  });
});
