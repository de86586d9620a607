/**
 * The e2e benchmark's reference hop: the thinnest HTTP server there is (node:http; no store, no saga,
 * no validation, no logging) taking the same merchant request as the service and paying through a
 * bare client, then answering `{"status":"SUCCEEDED"}`. Run as its own process between the load
 * driver and the sandbox, it has the service's topology and none of its work, so it shows what the
 * extra process hop costs on its own:
 * - `peer`: pays through wechatpay-axios-plugin, exactly as the bare peer does;
 * - `client`: pays through this package's WeChat Pay client (sign, send, verify, decode).
 *
 * Usage: `node dist/bench/_e2e-relay.js <peer|client> <credentials.json> <mcc> <connections>`; prints
 * `relay listening on <url>`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPinoLogger } from '../src/adapters/pino/logger';
import { systemClock } from '../src/adapters/system/clock';
import { createWeChatPayClient, type WeChatPayClientConfig } from '../src/adapters/wechatpay';
import type { PayRequest } from '../src/ports';
import { peerClient, readCredentials, type Payment, type SandboxCredentials } from './_e2e-clients';

type Pay = (payment: Payment, body: Record<string, unknown>) => Promise<void>;

const viaThisClient = (credentials: SandboxCredentials, mcc: string, connections: number): Pay => {
  const { gateway } = createWeChatPayClient(
    {
      baseUrl: credentials.baseUrl,
      spMchid: credentials.spMchid as WeChatPayClientConfig['spMchid'],
      spAppid: credentials.spAppid as WeChatPayClientConfig['spAppid'],
      merchantSerial: credentials.merchantSerial,
      merchantPrivateKeyPem: readFileSync(credentials.merchantPrivateKeyPath, 'utf8'),
      apiV3Key: readFileSync(credentials.apiV3KeyPath, 'utf8').trim(),
      pinnedPlatformCertificatePem: readFileSync(credentials.platformCertificatePath, 'utf8'),
      connections,
    },
    { clock: systemClock, logger: createPinoLogger({ level: 'warn' }) },
  );
  return async ({ outTradeNo, authCode }, body) => {
    const amount = body['amount'] as { total: number; currency: string };
    const outcome = await gateway.pay({
      subMchid: body['sub_mchid'],
      outTradeNo,
      authCode,
      description: body['description'],
      amount: { amount: amount.total, currency: amount.currency },
      merchantCategoryCode: mcc,
    } as PayRequest)();
    if (outcome._tag !== 'Success' || outcome.value.tradeState !== 'SUCCESS') {
      throw new Error(`sandbox answered ${outcome._tag} for ${outTradeNo}`);
    }
  };
};

const main = (): void => {
  const [mode, credentialsPath, mcc, connections] = process.argv.slice(2);
  if ((mode !== 'peer' && mode !== 'client') || !credentialsPath || !mcc || !connections) {
    throw new Error('usage: _e2e-relay <peer|client> <credentials.json> <mcc> <connections>');
  }
  const credentials = readCredentials(credentialsPath);
  const pay: Pay =
    mode === 'peer'
      ? peerClient(credentials, mcc, Number(connections)).pay
      : viaThisClient(credentials, mcc, Number(connections));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const payment = { outTradeNo: String(body['out_trade_no']), authCode: String(body['auth_code']) };
      pay(payment, body).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"status":"SUCCEEDED"}');
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: error instanceof Error ? error.message : 'failed' }));
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`relay listening on http://127.0.0.1:${port}`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
};

main();
