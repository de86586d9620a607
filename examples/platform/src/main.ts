import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createPaymentCore,
  createWebhookMiddleware,
  createStderrLogger,
  orderStreamId,
  runProjection,
  unsafeMoney,
  type AppId,
  type AuthCode,
  type OutRefundNo,
  type OutTradeNo,
  type SpMchid,
  type SubMchid,
} from 'wechatpay-global-core';
import { startSandbox } from 'wechatpay-global-core/sandbox';
import {
  createSqliteCheckpointStore,
  createSqliteEventStore,
  openSqliteDatabase,
} from 'wechatpay-global-core/sqlite';
import { createWeChatPayClient } from 'wechatpay-global-core/wechatpay';
import { createOrdersTable, ordersProjection } from './orders';

/**
 * One run of the platform: take a payment and refund part of it through the core, with the
 * in-process sandbox as WeChat, and keep the orders table from the events. Each run pays a new
 * order; the orders projection resumes from its checkpoint, so a run handles only its own events.
 */
const main = async (dataDir: string): Promise<void> => {
  mkdirSync(dataDir, { recursive: true });
  const logger = createStderrLogger();
  const sandbox = await startSandbox({
    stateDir: join(dataDir, 'sandbox'),
    persistence: 'sqlite',
    refundDelaySeconds: { SUCCESS: 1 },
  });
  const c = sandbox.credentials;
  const spMchid = c.spMchid as SpMchid;
  const wechat = createWeChatPayClient(
    {
      baseUrl: sandbox.baseUrl,
      spMchid,
      spAppid: c.spAppid as AppId,
      merchantSerial: c.merchantSerial,
      merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
      apiV3Key: readFileSync(c.apiV3KeyPath, 'utf8').trim(),
    },
    { clock: { now: () => Date.now() }, logger },
  );
  // The log and the platform's own tables in separate files.
  const log = openSqliteDatabase(join(dataDir, 'events.db'));
  const platformDb = openSqliteDatabase(join(dataDir, 'platform.db'), { synchronous: 'NORMAL' });
  const store = createSqliteEventStore(log);

  // The webhook: WeChat's raw body and headers to the core; acknowledged only once recorded. The
  // core needs the webhook's URL, so the handler reaches it through a function called later.
  const webhook = createServer(
    createWebhookMiddleware({ receiveNotification: (n) => core.api.receiveNotification(n) }, { logger }),
  );
  await new Promise<void>((ready) => webhook.listen(0, '127.0.0.1', ready));
  const port = (webhook.address() as AddressInfo).port;

  // The core's own read models default to memory, rebuilt from the log at start.
  const core = createPaymentCore({
    config: { spMchid, refundNotifyUrl: `http://127.0.0.1:${port}/notifications/wechatpay` },
    ports: { gateway: wechat.gateway, verifier: wechat.verifier, store, logger },
  });

  createOrdersTable(platformDb);
  const run = 1 + (platformDb.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
  const outTradeNo = `order-${run}` as OutTradeNo;
  const outRefundNo = `order-${run}-r1` as OutRefundNo;
  const subMchid = '1900000109' as SubMchid;
  const handled: string[] = [];
  let refunded = (): void => undefined;
  const refundSeen = new Promise<void>((resolve) => (refunded = resolve));
  const orders = runProjection(
    { store, checkpoints: createSqliteCheckpointStore(platformDb), logger },
    ordersProjection((type, streamId) => {
      handled.push(`${type} ${streamId}`);
      if (type === 'RefundConfirmed' && streamId === orderStreamId(subMchid, outTradeNo)) refunded();
    }),
  );

  await wechat.start();
  await core.start();
  await orders.whenCaughtUp();
  const paid = await core.api.createPayment(
    {
      subMchid,
      outTradeNo,
      authCode: `1300000${String(run).padStart(11, '0')}` as AuthCode, // sandbox: pays at once
      amount: unsafeMoney(2800, 'HKD'),
      description: 'Example shop - latte',
    },
    { actor: 'checkout', correlationId: `pay-${run}` },
    30_000,
  )();
  if (paid._tag === 'Left' || paid.right.status !== 'SUCCEEDED') throw new Error(`payment ${run} not paid`);
  const refund = await core.api.createRefund(
    { subMchid, outTradeNo, outRefundNo, amount: unsafeMoney(1000, 'HKD') },
    { actor: 'support', correlationId: `refund-${run}` },
  )();
  if (refund._tag === 'Left') throw new Error(`refund ${run} refused: ${refund.left._tag}`);
  await refundSeen; // WeChat's notification settles it; the orders table follows

  console.log(JSON.stringify({ run, handled, orders: platformDb.prepare('SELECT * FROM orders').all() }));
  await orders.stop();
  await core.stop();
  await wechat.close();
  webhook.close();
  await sandbox.close();
  for (const db of [log, platformDb]) db.close();
};

main(process.argv[2] ?? 'data').catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
