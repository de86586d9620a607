import * as E from 'fp-ts/Either';
import { createMemoryReadModelStore } from '../../../../src/adapters/memory/read-model-store';
import { allProjections } from '../../../../src/application/projections';
import {
  formatReconciliation,
  getReconciliation,
  reconcile,
  type ReconcileDeps,
} from '../../../../src/application/reconciliation';
import { StatementDateCodec } from '../../../../src/domain';
import type { GatewayOutcome, Statement, StatementRow } from '../../../../src/ports';
import {
  DATE,
  busyDay,
  otherSubMchid,
  refundIdOf,
  spMchid,
  subMchid,
  txn,
  valid,
} from '../projections/scenarios';
import { feed, logOf, unwrap } from '../projections/support';

const date = valid(StatementDateCodec, DATE);

const row = (fields: Partial<StatementRow>): StatementRow => ({
  tradeTime: '2026-03-02 16:00:01',
  appId: 'wx2421b1c4370ec43b',
  mchid: spMchid,
  subMchid,
  deviceId: 'POS-01',
  transactionId: '',
  outTradeNo: '',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  tradeType: 'MICROPAY',
  tradeState: 'SUCCESS',
  bankType: 'OTHERS',
  refundId: '',
  outRefundNo: '',
  refundType: '',
  refundStatus: '',
  goodsName: 'Kowloon coffee',
  attach: '',
  currency: 'HKD',
  orderAmount: 0,
  refundAmount: 0,
  fee: 0,
  feeRate: '0.60%',
  raw: {},
  ...fields,
});

const refundRow = (fields: Partial<StatementRow>): StatementRow =>
  row({ tradeState: 'REFUND', refundType: 'ORIGINAL', refundStatus: 'SUCCESS', ...fields });

/**
 * WeChat's view of the busy day, with one planted difference of each class: T2 for 24.00 instead
 * of 25.00, R4 settled while we still see it processing, T99 unknown to us, T4 (held in review)
 * absent. T1, R1 and the other sub-merchant's T5 agree.
 */
const plantedStatement: Statement = {
  date,
  sha1: 'b'.repeat(40),
  rows: [
    row({ transactionId: txn(1), outTradeNo: 'T1', orderAmount: 10_000 }),
    row({ transactionId: txn(2), outTradeNo: 'T2', orderAmount: 2_400 }),
    row({ subMchid: otherSubMchid, transactionId: txn(5), outTradeNo: 'T5', orderAmount: 700 }),
    row({ transactionId: txn(99), outTradeNo: 'T99', orderAmount: 100 }),
    refundRow({
      transactionId: txn(1),
      outTradeNo: 'T1',
      refundId: refundIdOf(1),
      outRefundNo: 'R1',
      refundAmount: 3_000,
    }),
    refundRow({
      transactionId: txn(1),
      outTradeNo: 'T1',
      refundId: refundIdOf(4),
      outRefundNo: 'R4',
      refundAmount: 2_000,
    }),
  ],
  summary: { totalCount: 6, totals: [], raw: {} },
};

const NOW = Date.parse('2026-03-03T02:00:00.000Z');

const setUp = async (outcome: GatewayOutcome<Statement> = { _tag: 'Success', value: plantedStatement }) => {
  const w = await busyDay();
  const readModels = createMemoryReadModelStore();
  const catchUp = async () => {
    const log = await logOf(w.store);
    for (const p of allProjections)
      await feed(
        readModels,
        p,
        log.filter((e) => e.position > 0),
        1,
      );
  };
  await catchUp();
  let downloads = 0;
  const deps: ReconcileDeps = {
    store: w.store,
    readModels,
    clock: { now: () => NOW },
    gateway: {
      downloadStatement: (d) => () => {
        downloads += 1;
        expect(d).toBe(DATE);
        return Promise.resolve(outcome);
      },
    },
  };
  return { w, deps, readModels, catchUp, downloads: () => downloads };
};

const context = { correlationId: 'corr-recon', actor: 'ops' };

describe('reconcile', () => {
  it('classifies every row and every record of ours, with one planted mismatch of each class', async () => {
    const { deps } = await setUp();
    const view = await unwrap(reconcile(deps, spMchid, date, context));
    expect(view.counts).toEqual({
      matched: 3,
      amount_mismatch: 1,
      status_mismatch: 1,
      missing_here: 1,
      missing_at_wechat: 1,
    });
    const byRecord = Object.fromEntries(
      view.lines.map((l) => [l.outRefundNo ?? l.outTradeNo, l.classification]),
    );
    expect(byRecord).toEqual({
      T1: 'matched',
      T2: 'amount_mismatch',
      T5: 'matched',
      T99: 'missing_here',
      R1: 'matched',
      // R4 is not on the day's list (it never succeeded here): found by its number, compared, not "missing".
      R4: 'status_mismatch',
      T4: 'missing_at_wechat',
    });
    expect(view.lines.find((l) => l.outTradeNo === 'T2')).toMatchObject({
      ours: { amount: 2_500, currency: 'HKD', status: 'SUCCEEDED' },
      theirs: { amount: 2_400, currency: 'HKD', status: 'SUCCESS' },
    });
  });

  it('records the run in the reconciliation stream, where the read model shows it', async () => {
    const { w, deps, readModels, catchUp } = await setUp();
    const view = await unwrap(reconcile(deps, spMchid, date, { ...context, commandId: 'cmd-recon-1' }));
    const events = await unwrap(w.store.readStream(`reconciliation-${spMchid}:${DATE}`));
    const last = events[events.length - 1];
    expect(last).toMatchObject({
      type: 'ReconciliationRecorded',
      data: view,
      metadata: { correlationId: 'corr-recon', causationId: 'cmd-recon-1', actor: 'ops', schemaVersion: 1 },
    });
    await catchUp();
    expect(await unwrap(getReconciliation(readModels, spMchid, DATE))).toEqual(view);
  });

  it('records a retried command once, without downloading again', async () => {
    const { w, deps, downloads } = await setUp();
    const before = (await unwrap(w.store.readStream(`reconciliation-${spMchid}:${DATE}`))).length;
    const first = await unwrap(reconcile(deps, spMchid, date, { ...context, commandId: 'cmd-recon-2' }));
    const again = await unwrap(reconcile(deps, spMchid, date, { ...context, commandId: 'cmd-recon-2' }));
    expect(again).toEqual(first);
    expect(downloads()).toBe(1);
    expect(await unwrap(w.store.readStream(`reconciliation-${spMchid}:${DATE}`))).toHaveLength(before + 1);
  });

  it('reads NO_STATEMENT_EXIST as "not available yet", never as an empty day, and records nothing', async () => {
    for (const outcome of [
      { _tag: 'Rejected', httpStatus: 400, code: 'NO_STATEMENT_EXIST', message: 'no bill' },
      { _tag: 'NotFound', httpStatus: 404, code: 'NO_STATEMENT_EXIST', message: 'no bill' },
    ] as const) {
      const { w, deps } = await setUp(outcome);
      const before = await logOf(w.store);
      const result = await reconcile(deps, spMchid, date, context)();
      expect(result).toEqual(
        E.left(
          expect.objectContaining({
            _tag: 'StatementNotReady',
            reason: 'NoStatementYet',
            message: expect.stringContaining('try again later'),
          }),
        ),
      );
      expect(await logOf(w.store)).toHaveLength(before.length);
    }
  });

  it('refuses a day that has not closed in GMT+8 without asking WeChat, saying from when it can be had', async () => {
    const { deps, downloads } = await setUp();
    // 2026-03-02 23:00 GMT+8: the day is still open.
    const early = { ...deps, clock: { now: () => Date.parse('2026-03-02T15:00:00Z') } };
    const result = await reconcile(early, spMchid, date, context)();
    expect(result).toEqual(
      E.left({
        _tag: 'StatementNotReady',
        reason: 'DayNotClosed',
        availableFrom: '2026-03-03T02:00:00.000Z',
        message: `${DATE} has not closed yet in GMT+8; its statement is available from 2026-03-03 10:00 GMT+8`,
      }),
    );
    // Closed, but before WeChat generates the file.
    const morning = { ...deps, clock: { now: () => Date.parse('2026-03-03T01:59:59Z') } };
    expect(await reconcile(morning, spMchid, date, context)()).toEqual(
      E.left(expect.objectContaining({ _tag: 'StatementNotReady', reason: 'NotGeneratedYet' })),
    );
    expect(downloads()).toBe(0);
  });

  it('refuses a day beyond the 180 days WeChat keeps, without asking WeChat', async () => {
    const { deps, downloads } = await setUp();
    const later = { ...deps, clock: { now: () => Date.parse('2026-08-30T04:00:00Z') } };
    expect(await reconcile(later, spMchid, date, context)()).toEqual(
      E.left(expect.objectContaining({ _tag: 'StatementTooOld', oldestDate: '20260303' })),
    );
    expect(downloads()).toBe(0);
  });

  it('reports and records the statement columns it does not know', async () => {
    const warnings: unknown[] = [];
    const { deps } = await setUp({
      _tag: 'Success',
      value: { ...plantedStatement, unknownColumns: ['Store code'] },
    });
    const view = await unwrap(
      reconcile({ ...deps, logger: { warn: (m, f) => warnings.push([m, f]) } }, spMchid, date, context),
    );
    expect(view.unknownColumns).toEqual(['Store code']);
    expect(warnings).toEqual([
      ['statement has columns this client does not know', { date: DATE, unknownColumns: ['Store code'] }],
    ]);
    expect(formatReconciliation(view)).toContain('statement columns this client does not know');
  });

  it('fails with the gateway outcome, recording nothing, when the statement cannot be had', async () => {
    const { w, deps } = await setUp({ _tag: 'Unknown', reason: 'Timeout', detail: 'no answer in 10 s' });
    const before = await logOf(w.store);
    const result = await reconcile(deps, spMchid, date, context)();
    expect(result).toEqual(
      E.left(
        expect.objectContaining({
          _tag: 'StatementUnavailable',
          outcome: 'Unknown',
          message: expect.stringMatching(/Timeout/),
        }),
      ),
    );
    expect(await logOf(w.store)).toHaveLength(before.length);
  });
});

describe('formatReconciliation', () => {
  it('prints the counts and one line per difference, differences first', async () => {
    const { deps } = await setUp();
    const text = formatReconciliation(await unwrap(reconcile(deps, spMchid, date, context)));
    const lines = text.split('\n');
    expect(lines[0]).toContain(`Reconciliation ${spMchid} ${DATE}`);
    expect(lines[1]).toBe(
      'matched 3, amount_mismatch 1, status_mismatch 1, missing_here 1, missing_at_wechat 1',
    );
    expect(lines[2]).toMatch(/^CLASS\s+KIND/);
    expect(lines).toHaveLength(3 + 7);
    expect(lines.slice(3, 7).every((l) => !l.startsWith('matched'))).toBe(true);
    expect(text).toMatch(
      /amount_mismatch\s+payment\s+1900000109\s+T2\s+-\s+\S+\s+25\.00 HKD SUCCEEDED\s+24\.00 HKD SUCCESS/,
    );
  });
});
