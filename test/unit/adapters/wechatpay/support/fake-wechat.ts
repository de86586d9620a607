import { createCipheriv, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The other side of the protocol for unit tests: a local node:http server that records exactly
 * what the client sent and answers what the test says, signed with Node's crypto directly (never
 * with the code under test).
 */

export interface RecordedRequest {
  readonly method: string;
  /** The raw request-target, as received. */
  readonly target: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export type Handler = (req: RecordedRequest) => Reply | 'hang' | Promise<Reply | 'hang'>;

export interface FakeWeChat {
  readonly url: string;
  readonly requests: RecordedRequest[];
  handle: Handler;
  readonly close: () => Promise<void>;
}

export const startFakeWeChat = async (handle: Handler): Promise<FakeWeChat> => {
  const requests: RecordedRequest[] = [];
  const state = { handle };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.url ?? '';
      const parsed = new URL(target, 'http://local');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        target,
        path: parsed.pathname,
        query: Object.fromEntries(parsed.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      void Promise.resolve(state.handle(recorded)).then((reply) => {
        if (reply === 'hang') return;
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get handle() {
      return state.handle;
    },
    set handle(h: Handler) {
      state.handle = h;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export interface PlatformSigner {
  readonly serial: string;
  readonly privateKey: KeyObject;
}

export interface SignOptions {
  readonly timestampSeconds: number;
  readonly nonce?: string;
  readonly requestId?: string;
}

/** Response / notification signature headers over `timestamp\nnonce\nbody\n` (reference §3). */
export const signedHeaders = (
  signer: PlatformSigner,
  body: string | Buffer,
  options: SignOptions,
): Record<string, string> => {
  const nonce = options.nonce ?? 'gWqRmjFtYxWnbKdQzEJsFp3sK8TdNq2Z';
  const timestamp = String(options.timestampSeconds);
  const message = Buffer.concat([
    Buffer.from(`${timestamp}\n${nonce}\n`),
    Buffer.from(body),
    Buffer.from('\n'),
  ]);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': sign('sha256', message, signer.privateKey).toString('base64'),
    'Wechatpay-Serial': signer.serial,
    'Request-ID': options.requestId ?? '08F0B3C8BB0610A4F3B6A80618E6A1E4012088C8A5A4A0',
  };
};

/** AES-256-GCM the way WeChat encrypts a certificate or resource, written independently of the client. */
export const aeadEncrypt = (key: string, nonce: string, aad: string, plaintext: string): string => {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString(
    'base64',
  );
};

export const certificatesBody = (
  apiV3Key: string,
  certs: readonly { serial: string; pem: string; effective: string; expire: string }[],
): string =>
  JSON.stringify({
    data: certs.map((c, i) => ({
      serial_no: c.serial,
      effective_time: c.effective,
      expire_time: c.expire,
      encrypt_certificate: {
        algorithm: 'AEAD_AES_256_GCM',
        nonce: `nonce${String(i).padStart(7, '0')}`,
        associated_data: 'certificate',
        ciphertext: aeadEncrypt(apiV3Key, `nonce${String(i).padStart(7, '0')}`, 'certificate', c.pem),
      },
    })),
  });
