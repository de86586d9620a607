import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../../../src/ports/clock';
import type { LogFields, Logger } from '../../../../../src/ports/logger';
import type { AppId, SpMchid } from '../../../../../src/domain/shared/ids';
import { createWeChatPayClient, type WeChatPayClientConfig } from '../../../../../src/adapters/wechatpay';
import {
  certificatesBody,
  signedHeaders,
  type FakeWeChat,
  type PlatformSigner,
  type Reply,
} from './fake-wechat';
import { selfSignedCertificatePem } from './x509';

/** Keys, certificates, clock and logger shared by the adapter's tests. */

export const NOW_MS = Date.parse('2026-11-26T08:00:00Z');
export const NOW_S = Math.floor(NOW_MS / 1000);
export const API_V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
export const SP_MCHID = '1900000100' as SpMchid;
export const SP_APPID = 'wx2421b1c4370ec43b' as AppId;
export const MERCHANT_SERIAL = '444F4864EA9B34415A6A2F7B6C8CA7C5EA5BE8A1';
export const PLATFORM_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
export const DAY_MS = 86_400_000;

export const manualClock = (start = NOW_MS): Clock & { set: (ms: number) => void } => {
  let now = start;
  return { now: () => now, set: (ms) => (now = ms) };
};

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

export const merchantKeys = rsa();
export const platformKeys = rsa();

export const platformSigner: PlatformSigner = {
  serial: PLATFORM_SERIAL,
  privateKey: platformKeys.privateKey,
};

export const certificateFor = (
  keys: { publicKey: KeyObject; privateKey: KeyObject },
  serialHex: string,
  notBefore = NOW_MS - 30 * DAY_MS,
  notAfter = NOW_MS + 365 * DAY_MS,
): string => selfSignedCertificatePem({ serialHex, ...keys, notBefore, notAfter });

export const platformCertificatePem = certificateFor(platformKeys, PLATFORM_SERIAL);

/** The certificates answer, signed by `signer` (by default the platform certificate it contains). */
export const certificatesReply = (
  certs: readonly { serial: string; pem: string }[] = [
    { serial: PLATFORM_SERIAL, pem: platformCertificatePem },
  ],
  signer: PlatformSigner = platformSigner,
  timestampSeconds = NOW_S,
): Reply => {
  const body = certificatesBody(
    API_V3_KEY,
    certs.map((c) => ({ ...c, effective: '2026-10-27T08:00:00+08:00', expire: '2027-11-26T08:00:00+08:00' })),
  );
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json', ...signedHeaders(signer, body, { timestampSeconds }) },
    body,
  };
};

export const signedJson = (
  status: number,
  json: unknown,
  timestampSeconds = NOW_S,
  signer = platformSigner,
): Reply => {
  const body = JSON.stringify(json);
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...signedHeaders(signer, body, { timestampSeconds }) },
    body,
  };
};

export const signedEmpty = (status = 204, timestampSeconds = NOW_S): Reply => ({
  status,
  headers: signedHeaders(platformSigner, '', { timestampSeconds }),
});

export const errorJson = (status: number, code: string, message: string): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json', 'Request-ID': 'error-request-id' },
  body: JSON.stringify({ code, message }),
});

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: LogFields;
}

export const memoryLogger = (lines: LogLine[] = [], bound: LogFields = {}): Logger & { lines: LogLine[] } => {
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields: { ...bound, ...fields } });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => memoryLogger(lines, { ...bound, ...fields }),
  };
};

export const baseConfig = (baseUrl: string): WeChatPayClientConfig => ({
  baseUrl,
  spMchid: SP_MCHID,
  spAppid: SP_APPID,
  merchantSerial: MERCHANT_SERIAL,
  merchantPrivateKeyPem: merchantKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  apiV3Key: API_V3_KEY,
  pinnedPlatformCertificatePem: platformCertificatePem,
  certificateRefreshIntervalMs: 0,
  readRetry: { attempts: 1 },
});

/** `undefined` in an override removes that field from the base configuration (e.g. no pin). */
export type ConfigOverrides = {
  readonly [K in keyof WeChatPayClientConfig]?: WeChatPayClientConfig[K] | undefined;
};

export const clientFor = (
  server: FakeWeChat,
  overrides: ConfigOverrides = {},
  clock: Clock = manualClock(),
  logger = memoryLogger(),
) => {
  const config: Record<string, unknown> = { ...baseConfig(server.url) };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  return {
    client: createWeChatPayClient(config as unknown as WeChatPayClientConfig, { clock, logger }),
    logger,
    clock,
  };
};

/**
 * The test's own check of the Authorization header (reference §2), written against Node's crypto
 * only: parse by key, rebuild the five-line string from what the server received, verify.
 */
export const verifyAuthorization = (
  req: {
    method: string;
    target: string;
    body: string;
    headers: Record<string, string | string[] | undefined>;
  },
  publicKey: KeyObject = merchantKeys.publicKey,
): { ok: boolean; params: Record<string, string> } => {
  const value = String(req.headers['authorization'] ?? '');
  const scheme = 'WECHATPAY2-SHA256-RSA2048 ';
  if (!value.startsWith(scheme)) return { ok: false, params: {} };
  const params = Object.fromEntries(
    [...value.slice(scheme.length).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  const message = `${req.method}\n${req.target}\n${params['timestamp']}\n${params['nonce_str']}\n${req.body}\n`;
  const ok = verify(
    'sha256',
    Buffer.from(message),
    publicKey,
    Buffer.from(params['signature'] ?? '', 'base64'),
  );
  return { ok, params };
};

/** §1: every request carries Accept, User-Agent and a verifiable Authorization; Content-Type only with a body. */
export const expectStandardHeaders = (req: {
  method: string;
  target: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}): void => {
  expect(req.headers['accept']).toBe('application/json');
  expect(req.headers['user-agent']).toMatch(/^wechatpay-global-core\//);
  expect(req.headers['content-type']).toBe(req.body === '' ? undefined : 'application/json');
  const auth = verifyAuthorization(req);
  expect(auth.ok).toBe(true);
  expect(auth.params).toMatchObject({ mchid: SP_MCHID, serial_no: MERCHANT_SERIAL });
};
