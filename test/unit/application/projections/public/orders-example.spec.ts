import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase, type SqliteDatabase } from '../../../../../src/adapters/sqlite/database';
import { createSqliteCheckpointStore } from '../../../../../src/adapters/sqlite/projection-checkpoints';
import {
  decodePublicEvent,
  runProjection,
  type PublicEvent,
} from '../../../../../src/application/projections/public';
import { ROOT } from '../../../../support/processes';
import { busyDay } from '../scenarios';
import { hkd } from '../world';
import { paidPlan, pay } from '../scenarios';
import { ordersProjection, startOrdersReadModel } from './orders-example';

describe('the orders read model of docs/projections.md', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-orders-example-'));
    db = openSqliteDatabase(join(dir, 'platform.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rows = () => ({
    orders: db.prepare('SELECT * FROM orders ORDER BY sub_mchid, out_trade_no').all(),
    refunds: db.prepare('SELECT * FROM order_refunds ORDER BY sub_mchid, out_refund_no').all(),
  });

  it('is the code the document shows', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'projections.md'), 'utf8');
    const block = /```ts\n(import[^]*?)```/.exec(doc.slice(doc.indexOf('## A worked example')))?.[1] ?? '';
    const source = readFileSync(join(__dirname, 'orders-example.ts'), 'utf8');
    const body = (text: string) => text.slice(text.search(/^\/\*\*/m)).trim();
    expect(body(block)).toBe(body(source));
    expect(block).toContain("from 'wechatpay-global-core'");
  });

  it('keeps a platform orders table from the order and refund events', async () => {
    const w = await busyDay();
    const running = startOrdersReadModel(w.store, db);
    await running.whenCaughtUp();
    await running.stop();
    const { orders, refunds } = rows();
    expect(orders).toEqual([
      expect.objectContaining({
        out_trade_no: 'T1',
        amount: 10_000,
        currency: 'HKD',
        status: 'PAID',
        refunded: 3_000,
      }),
      expect.objectContaining({ out_trade_no: 'T2', amount: 2_500, status: 'PAID', refunded: 0 }),
      expect.objectContaining({ out_trade_no: 'T3', status: 'REVERSED', refunded: 0 }),
      expect.objectContaining({ out_trade_no: 'T4', status: 'SUBMITTED' }),
      expect.objectContaining({ sub_mchid: '1900000222', out_trade_no: 'T5', status: 'PAID' }),
    ]);
    expect(
      refunds.map((r) => [(r as { out_refund_no: string }).out_refund_no, (r as { status: string }).status]),
    ).toEqual([
      ['R1', 'SUCCEEDED'],
      ['R2', 'CLOSED'],
      // Its number was already used at WeChat: it waits for review.
      ['R3', 'REQUESTED'],
      ['R4', 'REQUESTED'],
    ]);
  });

  it('is idempotent: every event handled twice leaves the same tables', async () => {
    const w = await busyDay();
    const once = startOrdersReadModel(w.store, db);
    await once.whenCaughtUp();
    await once.stop();
    const expected = rows();
    db.exec('DELETE FROM orders; DELETE FROM order_refunds;');
    const doubled = { ...ordersProjection, name: 'twice', handle: ordersProjection.handle };
    const log = await w.store.readAll()();
    if (log._tag === 'Left') throw new Error(log.left.message);
    for (const recorded of log.right) {
      const decoded = decodePublicEvent(recorded);
      if (decoded._tag === 'Left' || decoded.right === undefined) throw new Error('undecodable');
      doubled.handle(decoded.right, db);
      doubled.handle(decoded.right, db);
    }
    expect(rows()).toEqual(expected);
  });

  it('resumes from its checkpoint after a restart', async () => {
    const w = await busyDay();
    const first = startOrdersReadModel(w.store, db);
    await first.whenCaughtUp();
    await first.stop();
    await pay(w, paidPlan('T9', hkd(900), 60_000, 9));

    const seen: PublicEvent[] = [];
    const counted = {
      ...ordersProjection,
      handle: (e: PublicEvent, tx: SqliteDatabase) => {
        seen.push(e);
        return ordersProjection.handle(e, tx);
      },
    };
    const second = runProjection({ store: w.store, checkpoints: createSqliteCheckpointStore(db) }, counted);
    await second.whenCaughtUp();
    await second.stop();
    expect(seen.map((e) => e.stream)).toEqual(
      seen.map(() => ({ kind: 'order', subMchid: '1900000109', outTradeNo: 'T9' })),
    );
    expect(seen.map((e) => e.type)).toEqual(['OrderSubmitted', 'OrderSucceeded']);
    expect(rows().orders).toContainEqual(
      expect.objectContaining({ out_trade_no: 'T9', status: 'PAID', amount: 900 }),
    );
  });
});
