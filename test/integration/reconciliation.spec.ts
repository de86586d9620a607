import * as E from 'fp-ts/Either';
import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/adapters/sandbox';
import { createScaledClock, type ScaledClock } from '../../src/adapters/system';
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
  SCALE,
  SUB_MCHID,
  authCode,
  control,
  ctx,
  eventually,
  newOutTradeNo,
  paidOrder,
  right,
  startRuntime,
} from '../support/runtime-harness';

const sub = SUB_MCHID as SubMchid;
/** Statements are per GMT+8 calendar day (reference §5.8). */
const gmt8Date = (ms: number): StatementDate =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '') as StatementDate;

/**
 * A world whose one clock (sandbox and runtime alike) can also jump forward: a statement exists only
 * once its GMT+8 day has closed and WeChat has generated it the next morning, so the test makes its
 * payments "today" and then moves to the next morning rather than waiting a day.
 */
const startShiftableWorld = async (): Promise<World & { readonly shift: (ms: number) => void }> => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-it-recon-'));
  const base = createScaledClock(SCALE);
  let offset = 0;
  const clock: ScaledClock = { now: () => base.now() + offset, scale: SCALE };
  const sandbox = await startSandbox({ stateDir: join(dir, 'sandbox'), clock, tickMs: 5 });
  return {
    dir,
    clock,
    sandbox,
    shift: (ms) => void (offset += ms),
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const DAY_MS = 24 * 3600_000;
const gmt8DayStart = (date: string): number =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) - 8 * 3600_000;

/** The test's own AEAD_AES_256_GCM reading of a notification resource (ciphertext ‖ 16-byte tag). */
const decrypt = (key: Buffer, r: { nonce: string; associated_data: string; ciphertext: string }) => {
  const data = Buffer.from(r.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(r.nonce));
  decipher.setAAD(Buffer.from(r.associated_data));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return JSON.parse(
    Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8'),
  ) as Record<string, unknown>;
};

describe('reconciliation against the sandbox’s statement', () => {
  let world: World & { readonly shift: (ms: number) => void };
  let runtime: Runtime;
  beforeAll(async () => {
    world = await startShiftableWorld();
    runtime = await startRuntime(world);
  });
  afterAll(async () => {
    await runtime?.stop();
    await world?.close();
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
    // Settled by WeChat's notification, sent as the API doc's example: empty associated_data, and
    // an amount with exchange_rate and the payer paying in the pricing currency.
    const refundEvents = right(await runtime.store.readStream(`refund-${sub}:${first}-r`)());
    expect(refundEvents.find((e) => e.type === 'RefundSucceeded')?.data).toMatchObject({
      source: 'notification',
    });
    const log = (await control(world, 'GET', '/sandbox/notifications')) as {
      deliveries: { body: string; state: string; subject: Record<string, string> }[];
    };
    const delivery = log.deliveries.find((d) => d.subject['outRefundNo'] === `${first}-r`);
    expect(delivery?.state).toBe('delivered');
    const envelope = JSON.parse(delivery?.body ?? '{}') as {
      resource: { nonce: string; associated_data: string; ciphertext: string };
    };
    expect(envelope.resource.associated_data).toBe('');
    const key = Buffer.from(readFileSync(world.sandbox.credentials.apiV3KeyPath, 'utf8').trim());
    expect(decrypt(key, envelope.resource)['amount']).toMatchObject({
      payer_currency: 'HKD',
      exchange_rate: { type: 'SETTLEMENT_RATE', rate: 100_000_000 },
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
    // Today has not closed: refused before WeChat is asked, nothing recorded.
    const today = await runtime.api.reconcile(date, ctx)();
    expect(today).toEqual(
      E.left({
        _tag: 'StatementNotReady',
        message: expect.stringContaining(`${date} has not closed yet in GMT+8`) as string,
        availableFrom: new Date(gmt8DayStart(date) + DAY_MS + 10 * 3600_000).toISOString(),
      }),
    );
    const streamId = `reconciliation-${world.sandbox.credentials.spMchid}:${date}`;
    expect(await runtime.store.readStream(streamId)()).toMatchObject(E.left({ _tag: 'StreamNotFound' }));
    // WeChat (the sandbox) has no file for it either.
    expect(await runtime.gateway.downloadStatement(date)()).toMatchObject({
      _tag: 'Rejected',
      code: 'NO_STATEMENT_EXIST',
    });

    // The next morning at 10:00:05 GMT+8, the day is closed and its statement generated.
    world.shift(gmt8DayStart(date) + DAY_MS + 10 * 3600_000 + 5_000 - world.clock.now());
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

  it('reads the Chinese statement header to the same result', async () => {
    const yesterday = gmt8Date(world.sandbox.now() - DAY_MS);
    const english = right(await runtime.api.reconcile(yesterday, ctx)());
    await control(world, 'POST', '/sandbox/statements', { header: 'zh' });
    try {
      const chinese = right(await runtime.api.reconcile(yesterday, ctx)());
      expect(chinese.statementSha1).not.toBe(english.statementSha1);
      expect(chinese.counts).toEqual(english.counts);
      expect(chinese.unknownColumns).toBeUndefined();
    } finally {
      await control(world, 'POST', '/sandbox/statements', { header: 'en' });
    }
  });

  it('reads NO_STATEMENT_EXIST for a closed day as "not available yet", recording nothing', async () => {
    const dayBefore = gmt8Date(world.sandbox.now() - 2 * DAY_MS);
    expect(await runtime.api.reconcile(dayBefore, ctx)()).toEqual(
      E.left({
        _tag: 'StatementNotReady',
        message: `WeChat has no statement for ${dayBefore} yet (NO_STATEMENT_EXIST); try again later`,
      }),
    );
    const streamId = `reconciliation-${world.sandbox.credentials.spMchid}:${dayBefore}`;
    expect(await runtime.store.readStream(streamId)()).toMatchObject(E.left({ _tag: 'StreamNotFound' }));
  });

  it('refuses a day beyond 180 days without asking WeChat', async () => {
    const old = gmt8Date(world.sandbox.now() - 181 * DAY_MS);
    expect(await runtime.api.reconcile(old, ctx)()).toEqual(
      E.left({ _tag: 'StatementOutOfRange', message: expect.stringContaining('180 days') as string }),
    );
  });
});
