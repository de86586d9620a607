import { createSqliteCheckpointStore } from '../../../../../src/adapters/sqlite/projection-checkpoints';
import type { SqliteDatabase } from '../../../../../src/adapters/sqlite/database';
import {
  defineProjection,
  runProjection,
  type Projection,
  type RunningProjection,
} from '../../../../../src/application/projections/public';
import type { EventStore } from '../../../../../src/ports';
// ---- the example in docs/projections.md starts here (its imports name the package instead) ----

/** The platform's own tables, in its own database file (not the event log's). */
export const createOrderTables = (db: SqliteDatabase): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS orders (
      sub_mchid    TEXT    NOT NULL,
      out_trade_no TEXT    NOT NULL,
      amount       INTEGER NOT NULL,
      currency     TEXT    NOT NULL,
      status       TEXT    NOT NULL,
      refunded     INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (sub_mchid, out_trade_no)
    );
    CREATE TABLE IF NOT EXISTS order_refunds (
      sub_mchid     TEXT    NOT NULL,
      out_refund_no TEXT    NOT NULL,
      out_trade_no  TEXT    NOT NULL,
      amount        INTEGER NOT NULL,
      status        TEXT    NOT NULL,
      PRIMARY KEY (sub_mchid, out_refund_no)
    );
  `);
};

/**
 * Every statement sets a value or inserts a row keyed by the order or refund: none adds to what is
 * there, so handling an event twice leaves the tables as handling it once.
 */
export const ordersProjection: Projection<SqliteDatabase> = defineProjection<SqliteDatabase>({
  name: 'platform-orders',
  handles: [
    'OrderSubmitted',
    'OrderSucceeded',
    'OrderFailed',
    'OrderReversed',
    'OrderClosed',
    'RefundRequested',
    'RefundSucceeded',
    'RefundClosed',
    'RefundAbnormal',
    'RefundRejected',
  ],
  handle: (event, db) => {
    const setOrderStatus = (status: string): void => {
      if (event.stream.kind !== 'order') return;
      db.prepare('UPDATE orders SET status = ? WHERE sub_mchid = ? AND out_trade_no = ?').run(
        status,
        event.stream.subMchid,
        event.stream.outTradeNo,
      );
    };
    const setRefundStatus = (status: string): void => {
      if (event.stream.kind !== 'refund') return;
      const { subMchid, outRefundNo } = event.stream;
      db.prepare('UPDATE order_refunds SET status = ? WHERE sub_mchid = ? AND out_refund_no = ?').run(
        status,
        subMchid,
        outRefundNo,
      );
      // Recomputed from the refunds, never incremented: a redelivered event changes nothing.
      db.prepare(
        `UPDATE orders SET refunded = (
           SELECT COALESCE(SUM(amount), 0) FROM order_refunds r
           WHERE r.sub_mchid = orders.sub_mchid AND r.out_trade_no = orders.out_trade_no
             AND r.status = 'SUCCEEDED')
         WHERE sub_mchid = ? AND out_trade_no =
           (SELECT out_trade_no FROM order_refunds WHERE sub_mchid = ? AND out_refund_no = ?)`,
      ).run(subMchid, subMchid, outRefundNo);
    };
    switch (event.type) {
      case 'OrderSubmitted':
        db.prepare(
          `INSERT INTO orders (sub_mchid, out_trade_no, amount, currency, status)
           VALUES (?, ?, ?, ?, 'SUBMITTED') ON CONFLICT DO NOTHING`,
        ).run(
          event.data.subMchid,
          event.data.outTradeNo,
          event.data.amount.amount,
          event.data.amount.currency,
        );
        return;
      case 'OrderSucceeded':
        return setOrderStatus('PAID');
      case 'OrderFailed':
        return setOrderStatus('FAILED');
      case 'OrderReversed':
        return setOrderStatus('REVERSED');
      case 'OrderClosed':
        return setOrderStatus('CLOSED');
      case 'RefundRequested':
        db.prepare(
          `INSERT INTO order_refunds (sub_mchid, out_refund_no, out_trade_no, amount, status)
           VALUES (?, ?, ?, ?, 'REQUESTED') ON CONFLICT DO NOTHING`,
        ).run(event.data.subMchid, event.data.outRefundNo, event.data.outTradeNo, event.data.amount.amount);
        return;
      case 'RefundSucceeded':
        return setRefundStatus('SUCCEEDED');
      case 'RefundClosed':
      case 'RefundRejected':
        return setRefundStatus('CLOSED');
      case 'RefundAbnormal':
        return setRefundStatus('ABNORMAL');
      default:
        return;
    }
  },
  reset: (db) => void db.exec('DELETE FROM orders; DELETE FROM order_refunds;'),
});

/**
 * `store` is the event store the payment core appends to: the same object in one process, or the
 * same log file opened by a separate process. `db` is the platform's database.
 */
export const startOrdersReadModel = (store: EventStore, db: SqliteDatabase): RunningProjection => {
  createOrderTables(db);
  return runProjection({ store, checkpoints: createSqliteCheckpointStore(db) }, ordersProjection);
};
