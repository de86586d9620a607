import * as E from 'fp-ts/Either';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyReplay } from '../../src/application';
import { Notification, refundStreamId, type OutRefundNo, type SubMchid } from '../../src/domain';
import type { EventStore, RecordedEvent } from '../../src/ports';
import { startSandbox } from '../../src/adapters/sandbox';
import { encryptResource } from '../../src/adapters/sandbox/protocol/aead';
import { signatureHeaders } from '../../src/adapters/sandbox/protocol/sign';
import { createScaledClock } from '../../src/adapters/system';
import {
  type Runtime,
  type World,
  SCALE,
  SUB_MCHID,
  eventually,
  paidOrder,
  refund,
  right,
  startRuntime,
} from '../support/runtime-harness';

/**
 * Notifications WeChat signed but whose content contradicts our record, reuses an id, cannot be
 * decoded, nests absurdly deep, or arrives twenty at once: sent over real HTTP to the webhook with
 * the sandbox's platform key and APIv3 key. Refunds stay PROCESSING at the sandbox (its outcome is
 * days away), so only the notifications under test can settle anything.
 */
jest.setTimeout(120_000);

const sub = SUB_MCHID as SubMchid;

const startSlowRefundWorld = async (): Promise<World> => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-it-'));
  const clock = createScaledClock(SCALE);
  const days = 30 * 24 * 3600;
  const sandbox = await startSandbox({
    stateDir: join(dir, 'sandbox'),
    clock,
    tickMs: 5,
    refundDelaySeconds: { SUCCESS: days, REFUNDCLOSE: days, ABNORMAL: days },
  });
  return {
    dir,
    clock,
    sandbox,
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** Signs and encrypts exactly as WeChat (and the sandbox's dispatcher) does. */
const notifier = (world: World) => {
  const c = world.sandbox.credentials;
  const signer = {
    serial: c.platformSerial,
    privateKey: createPrivateKey(
      readFileSync(join(world.dir, 'sandbox', `platform_${c.platformSerial}_key.pem`)),
    ),
  };
  const apiV3Key = Buffer.from(readFileSync(c.apiV3KeyPath, 'utf8').trim(), 'utf8');
  const envelope = (id: string, eventType: string, resource: unknown): string => {
    const originalType = eventType.startsWith('REFUND') ? 'refund' : 'transaction';
    return JSON.stringify({
      id,
      create_time: new Date(world.clock.now()).toISOString().replace('Z', '+00:00'),
      event_type: eventType,
      resource_type: 'encrypt-resource',
      summary: 'test notification',
      resource: {
        original_type: originalType,
        ...encryptResource(
          apiV3Key,
          originalType,
          typeof resource === 'string' ? resource : JSON.stringify(resource),
        ),
      },
    });
  };
  const post = async (url: string, body: string): Promise<number> => {
    const headers = signatureHeaders(
      signer,
      Math.floor(world.clock.now() / 1000),
      Buffer.from(body),
      'valid',
    );
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  };
  return { envelope, post, spMchid: c.spMchid };
};

let counter = 0;
const newId = (tag: string): string => `EV-${tag}-${Date.now()}-${(counter += 1)}`;

interface ProcessingRefund {
  readonly outTradeNo: string;
  readonly outRefundNo: string;
  readonly transactionId: string;
  readonly refundId: string;
  readonly amount: number;
  readonly total: number;
}

const processingRefund = async (runtime: Runtime, total = 1000, amount = 300): Promise<ProcessingRefund> => {
  const outTradeNo = await paidOrder(runtime, total, 'ntf');
  const payment = right(await runtime.api.getPayment(sub, outTradeNo)());
  const outRefundNo = `${outTradeNo}-r`;
  right(await refund(runtime, outTradeNo, outRefundNo, amount));
  const view = await eventually(async () => {
    const r = await runtime.api.getRefund(sub, outRefundNo as OutRefundNo)();
    return E.isRight(r) && r.right.status === 'PROCESSING' && r.right.refundId !== undefined
      ? r.right
      : undefined;
  });
  return {
    outTradeNo,
    outRefundNo,
    transactionId: payment.transactionId ?? '',
    refundId: view.refundId ?? '',
    amount,
    total,
  };
};

/** The decrypted refund resource WeChat would send for `r`, with `change` applied. */
const refundResource = (
  spMchid: string,
  r: ProcessingRefund,
  change: Record<string, unknown> = {},
  amount: Record<string, unknown> = {},
) => ({
  sp_mchid: spMchid,
  sub_mchid: SUB_MCHID,
  out_trade_no: r.outTradeNo,
  transaction_id: r.transactionId,
  out_refund_no: r.outRefundNo,
  refund_id: r.refundId,
  refund_status: 'SUCCESS',
  success_time: '2026-12-06T16:00:00+08:00',
  user_received_account: '支付用户零钱',
  amount: {
    total: r.total,
    refund: r.amount,
    currency: 'HKD',
    payer_total: r.total,
    payer_refund: r.amount,
    payer_currency: 'HKD',
    ...amount,
  },
  ...change,
});

const streamOf = async (store: EventStore, streamId: string): Promise<readonly RecordedEvent[]> => {
  const read = await store.readStream(streamId)();
  return E.isRight(read) ? read.right : [];
};

describe('notifications that WeChat signed, against the record', () => {
  let world: World;
  let runtime: Runtime;
  let wechat: ReturnType<typeof notifier>;
  beforeAll(async () => {
    world = await startSlowRefundWorld();
    runtime = await startRuntime(world);
    wechat = notifier(world);
  });
  afterAll(async () => {
    await runtime.stop();
    await world.close();
  });

  const refundView = async (outRefundNo: string) =>
    right(await runtime.api.getRefund(sub, outRefundNo as OutRefundNo)());

  const notificationEvents = (id: string) => streamOf(runtime.store, Notification.notificationStreamId(id));

  describe('each contradicting field: review with both values, nothing applied', () => {
    let other: ProcessingRefund;
    beforeAll(async () => {
      other = await processingRefund(runtime, 2000, 500);
    });

    it.each<
      [
        string,
        (r: ProcessingRefund) => Record<string, unknown>,
        Record<string, unknown>,
        string,
        (r: ProcessingRefund) => [string, string],
      ]
    >([
      ['amount.total', () => ({}), { total: 1200 }, 'REFUND.SUCCESS', () => ['10.00 HKD', '12.00 HKD']],
      [
        'out_trade_no',
        () => ({ out_trade_no: other.outTradeNo }),
        {},
        'REFUND.SUCCESS',
        (r) => [r.outTradeNo, other.outTradeNo],
      ],
      [
        'transaction_id',
        () => ({ transaction_id: other.transactionId }),
        {},
        'REFUND.SUCCESS',
        (r) => [r.transactionId, other.transactionId],
      ],
      [
        'sp_mchid',
        () => ({ sp_mchid: '1900000999' }),
        {},
        'REFUND.SUCCESS',
        () => [wechat.spMchid, '1900000999'],
      ],
      [
        'refund_id',
        () => ({ refund_id: other.refundId }),
        {},
        'REFUND.SUCCESS',
        (r) => [r.refundId, other.refundId],
      ],
      [
        'refund_status',
        () => ({ refund_status: 'CLOSED' }),
        {},
        'REFUND.SUCCESS',
        () => ['SUCCESS (announced by REFUND.SUCCESS)', 'REFUNDCLOSE'],
      ],
      ['amount.refund', () => ({}), { refund: 299 }, 'REFUND.SUCCESS', () => ['3.00 HKD', '2.99 HKD']],
    ])('%s', async (field, change, amount, eventType, values) => {
      const r = await processingRefund(runtime);
      const id = newId('contra');
      const status = await wechat.post(
        runtime.webhookUrl,
        wechat.envelope(id, eventType, refundResource(wechat.spMchid, r, change(r), amount)),
      );
      expect(status).toBe(200);
      const view = await eventually(async () => {
        const v = await refundView(r.outRefundNo);
        return v.status === 'NEEDS_REVIEW' ? v : undefined;
      });
      const [ours, theirs] = values(r);
      expect(view.review?.reason).toBe('NotificationContradicts');
      expect(view.review?.detail).toContain(`${field} ours ${ours}, notification ${theirs}`);
      // The refund_id WeChat gave first stands; nothing settled, the reservation still held.
      expect(view.refundId).toBe(r.refundId);
      const payment = right(await runtime.api.getPayment(sub, r.outTradeNo as never)());
      expect(payment.refundedTotal.amount).toBe(0);
      expect(payment.pendingRefundTotal.amount).toBe(r.amount);
      const refundEvents = await streamOf(runtime.store, refundStreamId(sub, r.outRefundNo as OutRefundNo));
      expect(refundEvents.map((e) => e.type)).not.toContain('RefundSucceeded');
      expect(refundEvents.map((e) => e.type)).not.toContain('RefundClosed');
      expect((await notificationEvents(id)).map((e) => e.type)).toEqual([
        'NotificationReceived',
        'NotificationApplied',
      ]);
      const queue = await eventually(async () => {
        const items = right(await runtime.api.reviewQueue()());
        return items.find((i) => i.outRefundNo === r.outRefundNo);
      });
      expect(queue.reason).toBe('NotificationContradicts');
    });

    it('a payment notification for another amount puts the paid order in review', async () => {
      const outTradeNo = await paidOrder(runtime, 700, 'ntfp');
      const payment = right(await runtime.api.getPayment(sub, outTradeNo)());
      const status = await wechat.post(
        runtime.webhookUrl,
        wechat.envelope(newId('pay'), 'TRANSACTION.SUCCESS', {
          sp_mchid: wechat.spMchid,
          sub_mchid: SUB_MCHID,
          out_trade_no: outTradeNo,
          transaction_id: payment.transactionId,
          trade_state: 'SUCCESS',
          amount: { total: 7000, currency: 'HKD' },
        }),
      );
      expect(status).toBe(200);
      const after = await eventually(async () => {
        const p = right(await runtime.api.getPayment(sub, outTradeNo)());
        return p.status === 'NEEDS_REVIEW' ? p : undefined;
      });
      expect(after.review?.reason).toBe('NotificationContradicts');
      expect(after.review?.detail).toContain('amount.total ours 7.00 HKD, notification 70.00 HKD');
    });
  });

  it('a new notification reusing an accepted id with other content is recorded as a conflict, not applied', async () => {
    const first = await processingRefund(runtime);
    const second = await processingRefund(runtime);
    const id = newId('reuse');
    expect(
      await wechat.post(
        runtime.webhookUrl,
        wechat.envelope(id, 'REFUND.SUCCESS', refundResource(wechat.spMchid, first)),
      ),
    ).toBe(200);
    await eventually(async () =>
      (await refundView(first.outRefundNo)).status === 'SUCCEEDED' ? true : undefined,
    );
    await eventually(async () =>
      (await notificationEvents(id)).some((e) => e.type === 'NotificationApplied') ? true : undefined,
    );
    expect(
      await wechat.post(
        runtime.webhookUrl,
        wechat.envelope(id, 'REFUND.SUCCESS', refundResource(wechat.spMchid, second)),
      ),
    ).toBe(200);
    const events = await notificationEvents(id);
    expect(events.map((e) => e.type)).toEqual([
      'NotificationReceived',
      'NotificationApplied',
      'NotificationConflicted',
    ]);
    const conflict = events[2]?.data as Notification.NotificationEventOf<'NotificationConflicted'>['data'];
    expect(conflict.differences).toEqual(
      expect.arrayContaining([
        { field: 'outTradeNo', recorded: first.outTradeNo, received: second.outTradeNo },
        { field: 'outRefundNo', recorded: first.outRefundNo, received: second.outRefundNo },
      ]),
    );
    expect(conflict.digest).toMatch(/^[0-9a-f]{64}$/);
    // The first content stands; the second refund is untouched.
    expect((events[0]?.data as { outRefundNo: string }).outRefundNo).toBe(first.outRefundNo);
    expect((await refundView(second.outRefundNo)).status).toBe('PROCESSING');
    const payment = right(await runtime.api.getPayment(sub, second.outTradeNo as never)());
    expect(payment.refundedTotal.amount).toBe(0);
    // The same conflicting content again is a duplicate of the conflict, not a second one.
    await wechat.post(
      runtime.webhookUrl,
      wechat.envelope(id, 'REFUND.SUCCESS', refundResource(wechat.spMchid, second)),
    );
    expect((await notificationEvents(id)).filter((e) => e.type === 'NotificationConflicted')).toHaveLength(1);
  });

  it('an undecodable resource is recorded without secrets, and the refund it names is queried at once', async () => {
    const r = await processingRefund(runtime);
    const id = newId('undecodable');
    const { amount: _dropped, ...resource } = refundResource(wechat.spMchid, r);
    const body = wechat.envelope(id, 'REFUND.SUCCESS', resource);
    expect(await wechat.post(runtime.webhookUrl, body)).toBe(200);
    const events = await eventually(async () => {
      const e = await notificationEvents(id);
      return e.some((x) => x.type === 'NotificationApplied') ? e : undefined;
    });
    const [received, applied] = events;
    expect(received?.type).toBe('NotificationUndecodable');
    expect(received?.data).toMatchObject({
      error: expect.stringContaining('amount'),
      subMchid: SUB_MCHID,
      outRefundNo: r.outRefundNo,
      refundId: r.refundId,
    });
    const ciphertext = (JSON.parse(body) as { resource: { ciphertext: string } }).resource.ciphertext;
    expect(JSON.stringify(received?.data)).not.toContain(ciphertext);
    expect(JSON.stringify(received?.data)).not.toContain('支付用户零钱');
    expect(applied?.data).toMatchObject({
      outcome: 'Queried',
      target: refundStreamId(sub, r.outRefundNo as OutRefundNo),
    });
    const refundEvents = await eventually(async () => {
      const e = await streamOf(runtime.store, refundStreamId(sub, r.outRefundNo as OutRefundNo));
      const poll = e.findIndex(
        (x) => x.type === 'RefundPollScheduled' && x.metadata.actor === 'wechatpay-notification',
      );
      return poll >= 0 && e.slice(poll).some((x) => x.type === 'RefundObservationRecorded') ? e : undefined;
    });
    const poll = refundEvents.find((x) => x.metadata.actor === 'wechatpay-notification')?.data as {
      dueAt: string;
      scheduledAt: string;
    };
    expect(Date.parse(poll.dueAt)).toBe(Date.parse(poll.scheduledAt));
  });

  it.each([1_000, 5_000])('an envelope nested %i deep answers 4xx, never 500', async (depth) => {
    const body = `{"id":"${newId('deep')}","summary":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const status = await wechat.post(runtime.webhookUrl, body);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it('a body over the size limit answers 4xx', async () => {
    const status = await wechat.post(runtime.webhookUrl, `{"id":"big","summary":"${'x'.repeat(2_000_000)}"}`);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it('twenty notifications for one refund at once: all 2xx, applied once, within the paid total', async () => {
    const r = await processingRefund(runtime);
    const ids = Array.from({ length: 20 }, () => newId('burst'));
    const statuses = await Promise.all(
      ids.map((id) =>
        wechat.post(
          runtime.webhookUrl,
          wechat.envelope(id, 'REFUND.SUCCESS', refundResource(wechat.spMchid, r)),
        ),
      ),
    );
    expect(statuses).toEqual(ids.map(() => 200));
    const payment = await eventually(async () => {
      const p = right(await runtime.api.getPayment(sub, r.outTradeNo as never)());
      return p.pendingRefundTotal.amount === 0 ? p : undefined;
    });
    expect(payment.refundedTotal.amount).toBe(r.amount);
    expect(payment.refundedTotal.amount).toBeLessThanOrEqual(r.total);
    const refundEvents = await streamOf(runtime.store, refundStreamId(sub, r.outRefundNo as OutRefundNo));
    expect(refundEvents.filter((e) => e.type === 'RefundSucceeded')).toHaveLength(1);
    await eventually(async () => {
      const done = await Promise.all(
        ids.map(async (id) => (await notificationEvents(id)).some((e) => e.type === 'NotificationApplied')),
      );
      return done.every(Boolean) ? true : undefined;
    });
  });

  it('replay still verifies every recorded decision, including the immediate queries', async () => {
    const report = right(await verifyReplay(runtime.store)());
    expect(report.problems).toEqual([]);
  });
});

describe('a notification recorded but not applied', () => {
  let world: World;
  const refundView = async (runtime: Runtime, outRefundNo: string) =>
    right(await runtime.api.getRefund(sub, outRefundNo as OutRefundNo)());
  beforeAll(async () => {
    world = await startSlowRefundWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  it('a store that refuses applying for a while: answered 2xx at once, applied once it recovers', async () => {
    let isApplyBroken = false;
    const runtime = await startRuntime(world, {
      wrapStore: (s) => ({
        ...s,
        append: (streamId, events, expected) => async () =>
          isApplyBroken &&
          streamId.startsWith('refund-') &&
          events.some((e) => e.metadata.actor === 'wechatpay-notification')
            ? E.left({ _tag: 'StoreUnavailable', message: 'disk unavailable' })
            : s.append(streamId, events, expected)(),
      }),
    });
    try {
      const wechat = notifier(world);
      const r = await processingRefund(runtime);
      isApplyBroken = true;
      const id = newId('retry');
      expect(
        await wechat.post(
          runtime.webhookUrl,
          wechat.envelope(id, 'REFUND.SUCCESS', refundResource(wechat.spMchid, r)),
        ),
      ).toBe(200);
      expect((await refundView(runtime, r.outRefundNo)).status).toBe('PROCESSING');
      isApplyBroken = false;
      await eventually(async () =>
        (await refundView(runtime, r.outRefundNo)).status === 'SUCCEEDED' ? true : undefined,
      );
      await eventually(async () =>
        (await streamOf(runtime.store, Notification.notificationStreamId(id))).some(
          (e) => e.type === 'NotificationApplied',
        )
          ? true
          : undefined,
      );
    } finally {
      await runtime.stop();
    }
  });

  it('when the process dies, is applied on restart', async () => {
    let isApplyBroken = false;
    // The store refuses the intake's writes to refunds, as a store failing at that instant would.
    const first = await startRuntime(world, {
      wrapStore: (s) => ({
        ...s,
        append: (streamId, events, expected) => async () =>
          isApplyBroken &&
          streamId.startsWith('refund-') &&
          events.some((e) => e.metadata.actor === 'wechatpay-notification')
            ? E.left({ _tag: 'StoreUnavailable', message: 'disk unavailable' })
            : s.append(streamId, events, expected)(),
      }),
    });
    const wechat = notifier(world);
    const r = await processingRefund(first);
    isApplyBroken = true;
    const id = newId('crash');
    expect(
      await wechat.post(
        first.webhookUrl,
        wechat.envelope(id, 'REFUND.SUCCESS', refundResource(wechat.spMchid, r)),
      ),
    ).toBe(200);
    const recorded = await streamOf(first.store, Notification.notificationStreamId(id));
    expect(recorded.map((e) => e.type)).toEqual(['NotificationReceived']);
    await first.kill();

    const second = await startRuntime(world);
    try {
      const view = await eventually(async () => {
        const v = await second.api.getRefund(sub, r.outRefundNo as OutRefundNo)();
        return E.isRight(v) && v.right.status === 'SUCCEEDED' ? v.right : undefined;
      });
      expect(view.refundId).toBe(r.refundId);
      const refundEvents = await streamOf(second.store, refundStreamId(sub, r.outRefundNo as OutRefundNo));
      expect(
        (refundEvents.find((e) => e.type === 'RefundSucceeded')?.data as { source: string }).source,
      ).toBe('notification');
      await eventually(async () =>
        (await streamOf(second.store, Notification.notificationStreamId(id))).some(
          (e) => e.type === 'NotificationApplied',
        )
          ? true
          : undefined,
      );
    } finally {
      await second.stop();
    }
  });
});
