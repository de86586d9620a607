/**
 * The two ways the e2e benchmark makes one immediate-success Quick Pay payment: through the running
 * service's merchant API, and directly by wechatpay-axios-plugin (the bare peer: sign, send, verify).
 * Both throw on anything but a final success, so a wrong answer can never count as a fast one.
 */
import { Agent as HttpAgent } from 'node:http';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { Wechatpay } from 'wechatpay-axios-plugin';
import type { SandboxCredentials as CredentialsFile } from '../src/adapters/sandbox/credentials/credentials';

/** The fields of the sandbox's credentials file (written by `wpg sandbox`) that the bench reads. */
const FIELDS = [
  'baseUrl',
  'spMchid',
  'spAppid',
  'merchantSerial',
  'merchantPrivateKeyPath',
  'platformSerial',
  'platformCertificatePath',
  'apiV3KeyPath',
] as const satisfies readonly (keyof CredentialsFile)[];
export type SandboxCredentials = Pick<CredentialsFile, (typeof FIELDS)[number]>;

export const readCredentials = (path: string): SandboxCredentials => {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const missing = FIELDS.filter((f) => typeof record[f] !== 'string');
  if (missing.length > 0) throw new Error(`${path}: missing or not a string: ${missing.join(', ')}`);
  return record as unknown as SandboxCredentials;
};

/** One payment's identity: a fresh out_trade_no and a fresh immediate-success auth code. */
export interface Payment {
  readonly outTradeNo: string;
  readonly authCode: string;
}

const SUB_MCHID = '1900000109';
const AMOUNT = { total: 1234, currency: 'HKD' } as const;
const DESCRIPTION = 'Bench Coffee - latte';

let issued = 0;
/** `13` wallet, `00` immediate success, 14 free digits (docs/sandbox.md); one code per order. */
export const nextPayment = (kind: string): Payment => {
  issued += 1;
  const n = String(issued).padStart(14, '0');
  return { outTradeNo: `bench-${kind}-${n}`, authCode: `1300${n}` };
};

export interface PayClient {
  readonly pay: (payment: Payment) => Promise<void>;
  readonly close: () => Promise<void>;
}

export const serviceClient = (url: string, token: string, connections: number): PayClient => {
  const pool = new Pool(url, { connections, pipelining: 1 });
  return {
    pay: async ({ outTradeNo, authCode }) => {
      const { statusCode, body } = await pool.request({
        method: 'POST',
        path: '/v1/payments?wait=10',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          sub_mchid: SUB_MCHID,
          out_trade_no: outTradeNo,
          auth_code: authCode,
          amount: AMOUNT,
          description: DESCRIPTION,
        }),
      });
      const answer = (await body.json()) as { status?: unknown };
      if (statusCode !== 200 || answer.status !== 'SUCCEEDED') {
        throw new Error(`service answered ${statusCode} ${JSON.stringify(answer)} for ${outTradeNo}`);
      }
    },
    close: () => pool.close(),
  };
};

export const peerClient = (
  credentials: SandboxCredentials,
  merchantCategoryCode: string,
  connections: number,
): PayClient => {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: connections });
  const wxpay = new Wechatpay({
    baseURL: `${credentials.baseUrl}/`,
    mchid: credentials.spMchid,
    serial: credentials.merchantSerial,
    privateKey: readFileSync(credentials.merchantPrivateKeyPath),
    certs: { [credentials.platformSerial]: readFileSync(credentials.platformCertificatePath) },
    httpAgent,
  });
  const endpoint = wxpay.chain('v3/global/micropay/transactions/pay');
  return {
    pay: async ({ outTradeNo, authCode }) => {
      // Institution-mode body (reference §5.1). The plugin's errors carry its whole config, private
      // key included, so only the answer's status and body leave this function.
      const { status, data } = await endpoint
        .post<unknown, { status: number; data: unknown }>({
          sp_mchid: credentials.spMchid,
          sp_appid: credentials.spAppid,
          sub_mchid: SUB_MCHID,
          out_trade_no: outTradeNo,
          description: DESCRIPTION,
          trade_type: 'MICROPAY',
          merchant_category_code: merchantCategoryCode,
          payer: { auth_code: authCode },
          amount: AMOUNT,
        })
        .catch((e: unknown) => {
          const response = (e as { response?: { status?: unknown; data?: unknown } }).response;
          const reason = e instanceof Error ? e.message : 'request failed';
          throw new Error(
            `peer payment ${outTradeNo} failed: ${reason} ${String(response?.status)} ${JSON.stringify(response?.data)}`,
          );
        });
      const state = (data as { trade_state?: unknown } | null)?.trade_state;
      if (status !== 200 || state !== 'SUCCESS') {
        throw new Error(`sandbox answered ${status} trade_state ${String(state)} for ${outTradeNo}`);
      }
    },
    close: async () => {
      httpAgent.destroy();
    },
  };
};
