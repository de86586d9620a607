import { defineProjection, type Projection } from 'wechatpay-global-core';
import type { SqliteDatabase } from 'wechatpay-global-core/sqlite';

/** The platform's own orders table, fed from the core's events (docs/projections.md). */
export const createOrdersTable = (db: SqliteDatabase): void => {
  db.exec(`CREATE TABLE IF NOT EXISTS orders (
    out_trade_no TEXT PRIMARY KEY,
    amount       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    refunded     INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS order_refunds (
    out_refund_no TEXT PRIMARY KEY,
    out_trade_no  TEXT NOT NULL,
    amount        INTEGER NOT NULL
  )`);
};

/**
 * Runs inside the transaction that moves its checkpoint. Every write sets a value, never adds to
 * one, so an event delivered twice leaves the table as once.
 */
export const ordersProjection = (
  onHandled: (type: string, streamId: string) => void,
): Projection<SqliteDatabase> =>
  defineProjection<SqliteDatabase>({
    name: 'platform-orders',
    handles: ['OrderSubmitted', 'OrderSucceeded', 'OrderFailed', 'OrderReversed', 'RefundConfirmed'],
    handle: (event, db) => {
      onHandled(event.type, event.streamId);
      if (event.stream.kind !== 'order') return;
      const no = event.stream.outTradeNo;
      const setStatus = (status: string) =>
        db.prepare('UPDATE orders SET status = ? WHERE out_trade_no = ?').run(status, no);
      switch (event.type) {
        case 'OrderSubmitted':
          db.prepare(
            `INSERT INTO orders (out_trade_no, amount, status) VALUES (?, ?, 'SUBMITTED') ON CONFLICT DO NOTHING`,
          ).run(no, event.data.amount.amount);
          return;
        case 'OrderSucceeded':
          return void setStatus('PAID');
        case 'OrderFailed':
          return void setStatus('FAILED');
        case 'OrderReversed':
          return void setStatus('REVERSED');
        case 'RefundConfirmed':
          db.prepare('INSERT INTO order_refunds VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(
            event.data.outRefundNo,
            no,
            event.data.amount.amount,
          );
          return void db
            .prepare(
              'UPDATE orders SET refunded = (SELECT SUM(amount) FROM order_refunds WHERE out_trade_no = ?) WHERE out_trade_no = ?',
            )
            .run(no, no);
        default:
          return;
      }
    },
    reset: (db) => void db.exec('DELETE FROM orders; DELETE FROM order_refunds'),
  });
