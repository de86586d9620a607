import * as E from 'fp-ts/Either';
import { unsafeMoney, type OutRefundNo, type OutTradeNo, type SubMchid } from '../../src/domain';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  control,
  ctx,
  eventually,
  paidOrder,
  refund,
  right,
  withWorldAndRuntime,
} from '../support/runtime-harness';

/**
 * Waiting for a refund against the sandbox (25× business time; its default refund delay of 5 s is
 * 0.2 s here): `waitForRefund`, `createRefund` with a wait, and `?wait` on the merchant API.
 */
describe('waiting for a refund, against the sandbox', () => {
  let world: World;
  let runtime: Runtime;
  withWorldAndRuntime((w, r) => {
    world = w;
    runtime = r;
  });
  afterEach(async () => {
    await control(world, 'POST', '/sandbox/refunds/delays', { SUCCESS: 5, REFUNDCLOSE: 5, ABNORMAL: 5 });
  });

  const sub = SUB_MCHID as SubMchid;
  const TOKEN = 'integration-test-token-0123456789';
  const baseUrl = (): string => runtime.webhookUrl.replace(/\/notifications\/wechatpay$/, '');
  const merchantApi = (method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  /** The refund saga submits asynchronously: the sandbox must hold the refund before it can move it. */
  const atWeChat = (outRefundNo: string) =>
    eventually(async () => {
      const { refunds } = (await control(world, 'GET', '/sandbox/refunds')) as {
        refunds: { outRefundNo: string }[];
      };
      return refunds.some((r) => r.outRefundNo === outRefundNo) ? true : undefined;
    });

  const createWaiting = (outTradeNo: OutTradeNo, outRefundNo: string, amount: number, waitMs: number) =>
    runtime.api.createRefund(
      {
        subMchid: sub,
        outTradeNo,
        outRefundNo: outRefundNo as OutRefundNo,
        amount: unsafeMoney(amount, 'HKD'),
      },
      ctx,
      waitMs,
    )();

  it('createRefund with a wait answers with the refund already SUCCEEDED', async () => {
    const order = await paidOrder(runtime, 1000, 'rw-create');
    const started = Date.now();
    const view = right(await createWaiting(order, `${order}-r1`, 300, 20_000));
    expect(view.status).toBe('SUCCEEDED');
    expect(view.refundId).toBeDefined();
    // Settled well before the wait ran out: the waiter was woken, it did not sit out the 20 s.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('waitForRefund answers at its timeout with the refund still pending, then wakes when WeChat settles it', async () => {
    // 600 business seconds = 24 s real: the outcome only comes when the test moves it.
    await control(world, 'POST', '/sandbox/refunds/delays', { SUCCESS: 600 });
    const order = await paidOrder(runtime, 1000, 'rw-wait');
    const outRefundNo = `${order}-r1` as OutRefundNo;
    right(await refund(runtime, order, outRefundNo, 200));

    const early = right(await runtime.api.waitForRefund(sub, outRefundNo, 300)());
    expect(['REQUESTED', 'PROCESSING', 'UNKNOWN']).toContain(early.status);

    await atWeChat(outRefundNo);
    const waiting = runtime.api.waitForRefund(sub, outRefundNo, 30_000)();
    await control(world, 'POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: outRefundNo,
      status: 'SUCCESS',
    });
    const started = Date.now();
    const settled = right(await waiting);
    expect(settled.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a refund WeChat closes is settled for the waiter as CLOSED', async () => {
    const order = await paidOrder(runtime, 1000, 'rw-close');
    const view = right(
      await runtime.api.createRefund(
        {
          subMchid: sub,
          outTradeNo: order,
          outRefundNo: `${order}-r1` as OutRefundNo,
          amount: unsafeMoney(100, 'HKD'),
          reason: 'SANDBOX_REFUNDCLOSE',
        },
        ctx,
        20_000,
      )(),
    );
    expect(view.status).toBe('CLOSED');
  });

  it('an ABNORMAL refund is not where a waiter stops: it answers NEEDS_REVIEW', async () => {
    const order = await paidOrder(runtime, 1000, 'rw-abn');
    const view = right(
      await runtime.api.createRefund(
        {
          subMchid: sub,
          outTradeNo: order,
          outRefundNo: `${order}-r1` as OutRefundNo,
          amount: unsafeMoney(100, 'HKD'),
          reason: 'SANDBOX_ABNORMAL',
        },
        ctx,
        20_000,
      )(),
    );
    expect(view.status).toBe('NEEDS_REVIEW');
  });

  it('waiting on an unknown refund is NotFound at once', async () => {
    const started = Date.now();
    const r = await runtime.api.waitForRefund(sub, 'NO-SUCH-REFUND' as OutRefundNo, 20_000)();
    expect(r).toEqual(E.left({ _tag: 'NotFound', resource: 'refund' }));
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('POST …/refunds?wait=20 answers 200 SUCCEEDED; without wait it answers 202', async () => {
    const order = await paidOrder(runtime, 1000, 'rw-http');
    const waited = await merchantApi('POST', `/v1/payments/${SUB_MCHID}/${order}/refunds?wait=20`, {
      out_refund_no: `${order}-r1`,
      amount: { refund: 100, currency: 'HKD' },
    });
    expect(waited.status).toBe(200);
    expect(((await waited.json()) as { status: string }).status).toBe('SUCCEEDED');

    const other = await paidOrder(runtime, 1000, 'rw-http2');
    const quick = await merchantApi('POST', `/v1/payments/${SUB_MCHID}/${other}/refunds`, {
      out_refund_no: `${other}-r1`,
      amount: { refund: 100, currency: 'HKD' },
    });
    expect(quick.status).toBe(202);
  });

  it('GET /v1/refunds/…?wait=20 holds the answer until the refund is SUCCEEDED', async () => {
    await control(world, 'POST', '/sandbox/refunds/delays', { SUCCESS: 600 });
    const order = await paidOrder(runtime, 1000, 'rw-get');
    const outRefundNo = `${order}-r1`;
    right(await refund(runtime, order, outRefundNo, 100));
    await atWeChat(outRefundNo);
    const answer = merchantApi('GET', `/v1/refunds/${SUB_MCHID}/${outRefundNo}?wait=20`);
    await control(world, 'POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: outRefundNo,
      status: 'SUCCESS',
    });
    const res = await answer;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('SUCCEEDED');
  });
});
