import * as E from 'fp-ts/Either';
import { OrderAggregate, handleCommand } from '../../src/application';
import {
  Order,
  orderStreamId,
  unsafeMoney,
  type AuthCode,
  type MaskedAuthCode,
  type OutRefundNo,
  type OutTradeNo,
  type SpMchid,
  type StatementDate,
  type SubMchid,
  type TransactionId,
} from '../../src/domain';
import {
  type Runtime,
  type World,
  SUB_MCHID,
  authCode,
  ctx,
  eventually,
  newOutTradeNo,
  paidOrder,
  right,
  withWorldAndRuntime,
} from '../support/runtime-harness';

const sub = SUB_MCHID as SubMchid;
/** Statements are per GMT+8 calendar day (reference §5.8). */
const gmt8Date = (ms: number): StatementDate =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '') as StatementDate;

describe('reconciliation against the sandbox’s statement', () => {
  let world: World;
  let runtime: Runtime;
  withWorldAndRuntime((w, r) => {
    world = w;
    runtime = r;
  });

  it('matches payments and refunds, and classifies planted mismatches on both sides', async () => {
    const first = await paidOrder(runtime, 1500, 'recon');
    await paidOrder(runtime, 2500, 'recon');
    right(
      await runtime.api.createRefund(
        {
          subMchid: sub,
          outTradeNo: first,
          outRefundNo: `${first}-r` as OutRefundNo,
          amount: unsafeMoney(500, 'HKD'),
        },
        ctx,
      )(),
    );
    await eventually(async () => {
      const r = await runtime.api.getRefund(sub, `${first}-r` as OutRefundNo)();
      return E.isRight(r) && r.right.status === 'SUCCEEDED' ? true : undefined;
    });

    // Planted at WeChat only: a payment made around the core (missing here).
    const strayNo = newOutTradeNo('stray') as OutTradeNo;
    const stray = await runtime.gateway.pay({
      subMchid: sub,
      outTradeNo: strayNo,
      description: 'paid at the counter by another system',
      authCode: authCode('00') as AuthCode,
      amount: unsafeMoney(700, 'HKD'),
      merchantCategoryCode: '5812',
    })();
    expect(stray._tag).toBe('Success');

    // Planted here only: a payment WeChat never saw (missing at WeChat).
    const ghostNo = newOutTradeNo('ghost') as OutTradeNo;
    const ghost = orderStreamId(sub, ghostNo);
    const at = new Date(world.clock.now()).toISOString();
    const context = (id: string) => ({
      commandId: id,
      correlationId: 'planted',
      causationId: 'planted',
      actor: 'test',
      now: at,
    });
    right(
      await handleCommand(
        runtime.store,
        OrderAggregate,
        ghost,
        {
          type: 'SubmitPayment',
          spMchid: world.sandbox.credentials.spMchid as SpMchid,
          subMchid: sub,
          outTradeNo: ghostNo,
          amount: unsafeMoney(900, 'HKD'),
          description: 'planted',
          authCodeMasked: '130000********0000' as MaskedAuthCode,
          requestFingerprint: 'planted',
          policy: Order.defaultPayPolicy,
          at,
        },
        context('g1'),
      )(),
    );
    right(
      await handleCommand(
        runtime.store,
        OrderAggregate,
        ghost,
        { type: 'RecordDispatch', at },
        context('g2'),
      )(),
    );
    right(
      await handleCommand(
        runtime.store,
        OrderAggregate,
        ghost,
        {
          type: 'RecordObservation',
          source: 'pay',
          observation: {
            kind: 'Paid',
            transactionId: '4200000000000000000000009999' as TransactionId,
            amount: unsafeMoney(900, 'HKD'),
            tradeState: 'SUCCESS',
            successTime: at,
          },
          at,
        },
        context('g3'),
      )(),
    );

    const date = gmt8Date(world.sandbox.now());
    const view = right(await runtime.api.reconcile(date, ctx)());
    expect(view.counts.matched).toBe(3);
    expect(view.counts.missing_here).toBe(1);
    expect(view.counts.missing_at_wechat).toBe(1);
    expect(view.counts.amount_mismatch).toBe(0);
    expect(view.lines.find((l) => l.classification === 'missing_here')?.outTradeNo).toBe(strayNo);
    expect(view.lines.find((l) => l.classification === 'missing_at_wechat')?.outTradeNo).toBe(ghostNo);

    // Recorded in its own stream and shown by the read model.
    const events = right(
      await runtime.store.readStream(`reconciliation-${world.sandbox.credentials.spMchid}:${date}`)(),
    );
    expect(events.map((e) => e.type)).toContain('ReconciliationRecorded');
    const shown = await eventually(async () => {
      const r = await runtime.api.getReconciliation(date)();
      return E.isRight(r) ? r.right : undefined;
    });
    expect(shown.counts).toEqual(view.counts);
  });
});
