import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';

/**
 * The test's own side of the protocol, written from the reference's byte rules (§2, §3) with
 * node:crypto only, never with project code: a request signer and a response verifier.
 */

export interface SandboxJson {
  readonly baseUrl: string;
  readonly spMchid: string;
  readonly spAppid: string;
  readonly merchantSerial: string;
  readonly merchantPrivateKeyPath: string;
  readonly merchantCertificatePath: string;
  readonly platformSerial: string;
  readonly platformCertificatePath: string;
  readonly apiV3KeyPath: string;
}

export const readSandboxJson = (file: string): SandboxJson =>
  JSON.parse(readFileSync(file, 'utf8')) as SandboxJson;

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly json: () => Record<string, unknown>;
  readonly text: string;
}

export interface SendOptions {
  readonly body?: string;
  /** Override the Authorization header entirely. */
  readonly authorization?: string;
  readonly timestampSeconds?: number;
  readonly nonce?: string;
  /** Order of the five Authorization parameters. */
  readonly order?: readonly ('mchid' | 'nonce_str' | 'timestamp' | 'serial_no' | 'signature')[];
  readonly serial?: string;
  readonly mchid?: string;
  /** Sign these bytes instead of the ones sent (to forge a bad signature). */
  readonly signBody?: string;
  /** Sign this request-target instead of the one sent. */
  readonly signTarget?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly key?: KeyObject;
  /** Give up after this many real milliseconds, as a client's timeout would. */
  readonly timeoutMs?: number;
}

const nonce32 = (): string =>
  randomBytes(24)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(32, 'x')
    .slice(0, 32);

export const requestMessage = (
  method: string,
  target: string,
  ts: string,
  nonce: string,
  body: string,
): string => `${method}\n${target}\n${ts}\n${nonce}\n${body}\n`;

export interface WireClient {
  readonly json: SandboxJson;
  readonly send: (method: string, target: string, options?: SendOptions) => Promise<WireResponse>;
  readonly clock: () => number;
}

export const wireClient = (json: SandboxJson, clock: () => number = Date.now): WireClient => {
  const merchantKey = createPrivateKey(readFileSync(json.merchantPrivateKeyPath));
  const send = (method: string, target: string, options: SendOptions = {}): Promise<WireResponse> => {
    const body = options.body ?? '';
    const ts = String(options.timestampSeconds ?? Math.floor(clock() / 1000));
    const nonce = options.nonce ?? nonce32();
    const signature = sign(
      'sha256',
      Buffer.from(requestMessage(method, options.signTarget ?? target, ts, nonce, options.signBody ?? body)),
      options.key ?? merchantKey,
    ).toString('base64');
    const params: Record<string, string> = {
      mchid: options.mchid ?? json.spMchid,
      nonce_str: nonce,
      timestamp: ts,
      serial_no: options.serial ?? json.merchantSerial,
      signature,
    };
    const order = options.order ?? ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'];
    const authorization =
      options.authorization ??
      `WECHATPAY2-SHA256-RSA2048 ${order.map((k) => `${k}="${params[k] ?? ''}"`).join(',')}`;
    const url = new URL(json.baseUrl);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: target,
          headers: {
            Accept: 'application/json',
            'User-Agent': 'sandbox-test/1.0',
            Authorization: authorization,
            ...(body === '' ? {} : { 'Content-Type': 'application/json' }),
            'Content-Length': String(Buffer.byteLength(body)),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const headers: Record<string, string | undefined> = {};
            for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
            resolve({
              status: res.statusCode ?? 0,
              headers,
              body: raw,
              text: raw.toString('utf8'),
              json: () => JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (options.timeoutMs !== undefined) {
        req.setTimeout(options.timeoutMs, () => req.destroy(new Error('client timeout')));
      }
      req.end(body);
    });
  };
  return { json, send, clock };
};

/** §3: `timestamp\nnonce\nbody\n` with the platform certificate chosen by Wechatpay-Serial. */
export const verifyResponse = (
  response: Pick<WireResponse, 'headers' | 'body'>,
  certificates: ReadonlyMap<string, string>,
  signedBody: Buffer = response.body,
): boolean => {
  const ts = response.headers['wechatpay-timestamp'];
  const nonce = response.headers['wechatpay-nonce'];
  const serial = response.headers['wechatpay-serial'];
  const signature = response.headers['wechatpay-signature'];
  if (ts === undefined || nonce === undefined || serial === undefined || signature === undefined)
    return false;
  const pem = certificates.get(serial);
  if (pem === undefined) return false;
  const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), signedBody, Buffer.from('\n')]);
  return verify('sha256', message, new X509Certificate(pem).publicKey, Buffer.from(signature, 'base64'));
};

export const platformCertificates = (json: SandboxJson): Map<string, string> =>
  new Map([[json.platformSerial, readFileSync(json.platformCertificatePath, 'utf8')]]);

export const publicKeyOfCertificate = (pem: string): KeyObject =>
  createPublicKey(new X509Certificate(pem).publicKey);
