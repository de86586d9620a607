/**
 * Signed-and-verified gateway calls per second against a local server, with the bare cost of one
 * RSA-2048 sign plus one verify measured in the same run as the baseline: each `queryOrder` signs
 * its request and verifies the response's signature, so that pair bounds the client per core.
 *
 * The server runs in a child process so its work does not compete for the client's core. It
 * answers every request with one response signed at start-up (the timestamp stays well inside the
 * ±300 s window for the run) and does not verify the client's signature: the client is what is
 * measured, not the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { Agent } from 'undici';
import type { AppId, OutTradeNo, SpMchid, SubMchid } from '../src/domain/shared/ids';
import type { Logger } from '../src/ports/logger';
import { createWeChatPayClient } from '../src/adapters/wechatpay';
import type { SignOn } from '../src/adapters/wechatpay/signing';

/** Gateway and baseline alternate in short rounds, so both see the same machine load; the median round counts. */
const ROUNDS = 7;
const ROUND_MS = 700;
/**
 * undici's parser, the io-ts codecs and the adapter reach steady state only after a few thousand
 * calls (optimising compilers run on background threads whose CPU this process is charged for).
 */
const WARMUP_CALLS = 5_000;
const CONCURRENCY = 8;
const PUB_KEY_ID = 'PUB_KEY_ID_BENCH000000000000000000000001';

const SERVER_SOURCE = `
const http = require('node:http');
const crypto = require('node:crypto');
process.once('message', ({ privateKeyPem, serial, body }) => {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(16).toString('hex');
  const signature = crypto.sign('sha256', Buffer.from(timestamp + '\\n' + nonce + '\\n' + body + '\\n'), privateKeyPem).toString('base64');
  const headers = {
    'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)),
    'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce, 'Wechatpay-Signature': signature,
    'Wechatpay-Serial': serial, 'Request-ID': 'bench',
  };
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, headers); res.end(body); }); });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
});
`;

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

const transaction = JSON.stringify({
  id: '4200000000202611261234567890',
  sp_mchid: '1900000100',
  sub_mchid: '1900000109',
  sp_appid: 'wx2421b1c4370ec43b',
  out_trade_no: 'T20261126001',
  trade_type: 'MICROPAY',
  trade_state: 'SUCCESS',
  trade_state_desc: 'success',
  bank_type: 'OTHERS',
  success_time: '2026-11-26T16:00:01+08:00',
  payer: { sp_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 1234, currency: 'HKD', payer_total: 1100, payer_currency: 'CNY' },
});

const startServer = (privateKeyPem: string): Promise<{ child: ChildProcess; port: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SERVER_SOURCE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.send({ privateKeyPem, serial: PUB_KEY_ID, body: transaction });
  });

interface Rate {
  /** Operations per wall-clock second. */
  readonly wall: number;
  /** Operations per second of this process's CPU time: the per-core figure, immune to other load. */
  readonly cpu: number;
}

const measure = async (body: (keepGoing: () => boolean) => Promise<number> | number): Promise<Rate> => {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const ops = await body(() => performance.now() - started < ROUND_MS);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  return { wall: (ops * 1000) / wallMs, cpu: (ops * 1e6) / (cpu.user + cpu.system) };
};

const cryptoBaseline = (
  merchant: ReturnType<typeof generateKeyPairSync>,
  platform: ReturnType<typeof generateKeyPairSync>,
): Promise<Rate> => {
  const request = Buffer.from(
    `GET\n/v3/global/transactions/out-trade-no/T20261126001?sp_mchid=1900000100&sub_mchid=1900000109\n1764144000\nabcdefghijklmnopqrstuvwxyz012345\n\n`,
  );
  const response = Buffer.from(`1764144000\nnonce\n${transaction}\n`);
  const signature = sign('sha256', response, platform.privateKey);
  return measure((keepGoing) => {
    let ops = 0;
    while (keepGoing()) {
      sign('sha256', request, merchant.privateKey);
      if (!verify('sha256', response, platform.publicKey, signature))
        throw new Error('baseline verify failed');
      ops += 1;
    }
    return ops;
  });
};

export async function run(): Promise<void> {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { child, port } = await startServer(
    platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const clientSigningOn = (signOn: SignOn) =>
    createWeChatPayClient(
      {
        baseUrl: `http://127.0.0.1:${port}`,
        spMchid: '1900000100' as SpMchid,
        spAppid: 'wx2421b1c4370ec43b' as AppId,
        merchantSerial: '444F4864EA9B34415A6A2F7B6C8CA7C5EA5BE8A1',
        merchantPrivateKeyPem: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
        platformPublicKey: {
          id: PUB_KEY_ID,
          pem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
        certificateRefreshIntervalMs: 0,
        readRetry: { attempts: 1 },
        connections: CONCURRENCY,
        signOn,
      },
      { clock: { now: () => Date.now() }, logger: silent },
    );
  const client = clientSigningOn('thread-pool');
  const loopClient = clientSigningOn('event-loop');
  const ref = { subMchid: '1900000109' as SubMchid, outTradeNo: 'T20261126001' as OutTradeNo };
  const callWith = (c: typeof client) => async () => {
    const outcome = await c.gateway.queryOrder(ref)();
    if (outcome._tag !== 'Success') throw new Error(`bench call failed: ${JSON.stringify(outcome)}`);
  };
  const call = callWith(client);
  const loopCall = callWith(loopClient);
  // The transport bound: the same crypto plus a bare undici request to the same server, with no
  // adapter code at all. It shows how much of the gap to the crypto bound is the adapter's.
  const bare = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  const requestMessage = Buffer.from(
    'GET\n/v3/global/transactions/out-trade-no/T20261126001\n1764144000\nnonce\n\n',
  );
  const responseMessage = Buffer.from(`1764144000\nnonce\n${transaction}\n`);
  const responseSignature = sign('sha256', responseMessage, platform.privateKey);
  const bareCall = async () => {
    const authorization = sign('sha256', requestMessage, merchant.privateKey).toString('base64');
    const res = await bare.request({
      origin: `http://127.0.0.1:${port}`,
      path: '/v3/global/transactions/out-trade-no/T20261126001?sp_mchid=1900000100&sub_mchid=1900000109',
      method: 'GET',
      headers: { accept: 'application/json', authorization },
    });
    await res.body.arrayBuffer();
    if (!verify('sha256', responseMessage, platform.publicKey, responseSignature))
      throw new Error('verify failed');
  };
  const concurrently = (f: () => Promise<void>) => (): Promise<Rate> =>
    measure(async (keepGoing) => {
      let calls = 0;
      const worker = async () => {
        while (keepGoing()) {
          await f();
          calls += 1;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return calls;
    });
  const gatewayRound = concurrently(call);
  const loopRound = concurrently(loopCall);
  const bareRound = concurrently(bareCall);
  type Round = { gateway: Rate; loop: Rate; bare: Rate; crypto: Rate };
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < WARMUP_CALLS / CONCURRENCY; i += 1) {
          await call();
          await loopCall();
          await bareCall();
        }
      }),
    );
    await cryptoBaseline(merchant, platform);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i += 1)
      rounds.push({
        gateway: await gatewayRound(),
        loop: await loopRound(),
        bare: await bareRound(),
        crypto: await cryptoBaseline(merchant, platform),
      });
    const medianBy = (f: (r: Round) => number) => {
      const sorted = rounds.map(f).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? NaN;
    };
    const f0 = (n: number) => n.toFixed(0);
    const f2 = (n: number) => n.toFixed(2);
    console.log(`median of ${ROUNDS} alternating rounds of ${ROUND_MS} ms; concurrency ${CONCURRENCY}`);
    console.log('');
    console.log('| measure | per wall-clock second | per CPU second of the client (one core) |');
    console.log('| --- | --- | --- |');
    const row = (name: string, unit: string, pick: (r: Round) => Rate) =>
      console.log(
        `| ${name} | ${f0(medianBy((r) => pick(r).wall))} ${unit} | ${f0(medianBy((r) => pick(r).cpu))} ${unit} |`,
      );
    row(
      'gateway queryOrder: sign + HTTP + verify + decode (signing on the thread pool, the default)',
      'calls/s',
      (r) => r.gateway,
    );
    row('gateway queryOrder, signing on the event loop', 'calls/s', (r) => r.loop);
    row('transport bound: sign + bare undici request + verify', 'calls/s', (r) => r.bare);
    row('baseline: one RSA-2048 sign + one verify', 'ops/s', (r) => r.crypto);
    const ratio = (name: string, num: (r: Round) => Rate, den: (r: Round) => Rate, note = '') =>
      console.log(
        `| ratio ${name} | ${f2(medianBy((r) => num(r).wall / den(r).wall))} | ${f2(medianBy((r) => num(r).cpu / den(r).cpu))}${note} |`,
      );
    ratio(
      'gateway / baseline',
      (r) => r.gateway,
      (r) => r.crypto,
      ' (target >= 0.70)',
    );
    ratio(
      'gateway signing on the event loop / baseline',
      (r) => r.loop,
      (r) => r.crypto,
      ' (target >= 0.70)',
    );
    ratio(
      'transport bound / baseline',
      (r) => r.bare,
      (r) => r.crypto,
    );
    ratio(
      'gateway / transport bound (the adapter’s own cost)',
      (r) => r.gateway,
      (r) => r.bare,
    );
  } finally {
    await client.close();
    await loopClient.close();
    await bare.close();
    child.kill();
  }
}
