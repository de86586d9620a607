import { createPaymentCore, createMemoryEventStore, unsafeMoney } from '../../src';
import type { AuthCode, OutRefundNo, OutTradeNo, PaymentCore, SubMchid } from '../../src';
import { createWeChatPayClient, type WeChatPayClient } from '../../src/wechatpay';
import { eventually, silentLogger, startTestSandbox, type TestSandbox } from '../../src/testing';
// ---- the worked test in docs/testing.md starts here (its imports name the package instead) ----

/** A platform's own tests of its checkout: the real core, against the in-process sandbox. */
describe('checkout against the in-process sandbox', () => {
  const sub = '1900000109' as SubMchid;
  const ctx = { actor: 'checkout-test', correlationId: 'test-1' };
  let wechat: TestSandbox;
  let client: WeChatPayClient;
  let core: PaymentCore;

  beforeAll(async () => {
    // One sandbox for the file (it makes RSA keys on start). Business time runs 100× faster, so
    // WeChat's 30 s cashier deadline passes in 0.3 s. Refunds stay PROCESSING at the sandbox for
    // a day: only the test's own notification can settle one.
    wechat = await startTestSandbox({ scale: 100, refundDelaySeconds: { SUCCESS: 86_400 } });
    const deps = { clock: wechat.clock, timers: wechat.timers, logger: silentLogger };
    client = createWeChatPayClient(wechat.wechatPay, deps);
    core = createPaymentCore({
      config: { spMchid: wechat.spMchid },
      ports: { gateway: client.gateway, verifier: client.verifier, store: createMemoryEventStore(), ...deps },
    });
    await client.start();
    await core.start();
  });

  afterAll(async () => {
    await core.stop();
    await client.close();
    await wechat.close();
  });

  const pay = async (outTradeNo: string, authCode: string) => {
    const input = {
      subMchid: sub,
      outTradeNo: outTradeNo as OutTradeNo,
      authCode: authCode as AuthCode,
      amount: unsafeMoney(2800, 'HKD'),
      description: 'Test shop - latte',
    };
    const paid = await core.api.createPayment(input, ctx, 60_000)();
    if (paid._tag === 'Left') throw new Error(paid.left._tag);
    return paid.right;
  };

  it('reverses a payment whose customer never pays, at the 30 s deadline', async () => {
    const startedAt = wechat.clock.now();
    // Sandbox scenario 03: the customer never enters the password (USERPAYING until revoked).
    const payment = await pay('never-pays-1', '130300000000000001');
    expect(payment.status).toBe('REVERSED');
    // Thirty seconds of WeChat's time have passed, in a third of a second of the test's.
    expect(wechat.clock.now() - startedAt).toBeGreaterThanOrEqual(30_000);
  });

  it('settles a refund when WeChat notifies its success', async () => {
    const payment = await pay('refunded-1', '130000000000000002');
    const outRefundNo = 'refunded-1-r1' as OutRefundNo;
    const created = await core.api.createRefund(
      { subMchid: sub, outTradeNo: payment.outTradeNo as OutTradeNo, outRefundNo, amount: payment.amount },
      ctx,
    )();
    expect(created._tag).toBe('Right');
    // The refund saga submits it; WeChat answers PROCESSING with its refund id.
    const refundId = await eventually(async () => {
      const refund = await core.api.getRefund(sub, outRefundNo)();
      return refund._tag === 'Right' && refund.right.status === 'PROCESSING'
        ? refund.right.refundId
        : undefined;
    });

    // Signed with the sandbox's platform key, the resource encrypted with its APIv3 key.
    const notification = wechat.notifications.build({
      eventType: 'REFUND.SUCCESS',
      resource: {
        sp_mchid: wechat.spMchid,
        sub_mchid: sub,
        out_trade_no: payment.outTradeNo,
        transaction_id: payment.transactionId,
        out_refund_no: outRefundNo,
        refund_id: refundId,
        refund_status: 'SUCCESS',
        success_time: '2026-12-06T16:00:00+08:00',
        amount: { total: 2800, refund: 2800, currency: 'HKD', payer_total: 2800, payer_refund: 2800 },
      },
    });
    const received = await core.api.receiveNotification(notification)();
    expect(received._tag).toBe('Right');
    const settled = await core.api.getRefund(sub, outRefundNo)();
    expect(settled).toMatchObject({ _tag: 'Right', right: { status: 'SUCCEEDED' } });
  });
});
