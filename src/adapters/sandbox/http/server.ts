import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { MerchantIdentity } from '../protocol/auth';
import { authenticate } from '../protocol/auth';
import { signatureHeaders, type Signer } from '../protocol/sign';
import type { SandboxTime } from '../time';
import { matchRoute, type ApiContext, type ApiRequest, type Route } from './api-routes';
import { instanceOf, type CallFault, type CallIds, type CallLog } from './calls';
import { handleControl, type ControlContext } from './control-routes';
import type { NetworkFaults, RateLimiter } from './limits';
import { errorReply, type Reply } from './reply';

/**
 * The HTTP face of the sandbox: every /v3/ request is authenticated (§2), rate-limited (§10) and
 * answered with a signed response carrying a Request-ID (§1, §3); /sandbox/ is the control API.
 * Every request to an API endpoint goes into the call record, whatever it is answered.
 */

export interface ServerDeps {
  readonly api: ApiContext;
  readonly control: ControlContext;
  readonly time: SandboxTime;
  readonly merchant: () => MerchantIdentity;
  readonly signer: () => Signer;
  readonly limiter: RateLimiter;
  readonly faults: NetworkFaults;
  /** Incremented per API request that reaches a route, by endpoint class. */
  readonly requestCounts: Record<string, number>;
  /** Incremented per fault injected, by kind. */
  readonly faultsInjected: Record<string, number>;
  readonly random: () => number;
  /** Brings orders and refunds up to date before a request looks at them. */
  readonly catchUp: () => void;
  /** The call record: one entry per API request answered, dropped or held. */
  readonly calls: CallLog;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Calls `done` once: with the body, or undefined when it is too large or the request fails. */
const readBody = (req: IncomingMessage, done: (body: Buffer | undefined) => void): void => {
  const chunks: Buffer[] = [];
  let size = 0;
  let isFinished = false;
  const finish = (body: Buffer | undefined): void => {
    if (isFinished) return;
    isFinished = true;
    done(body);
  };
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) finish(undefined);
    else finish(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
  });
  req.on('error', () => finish(undefined));
};

const queryObject = (search: URLSearchParams): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [key, value] of search) if (!(key in result)) result[key] = value;
  return result;
};

/** What the routes read of the request-target. */
interface Target {
  readonly pathname: string;
  readonly search: string;
  readonly searchParams: URLSearchParams;
}

// A path of these characters, not starting `//`, with no query, is its own WHATWG pathname: nothing
// to percent-encode, no dot segments. Every pay has one; anything else goes through the URL parser.
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_\-/]*$/;
const NO_QUERY = new URLSearchParams();

export const targetOf = (rawTarget: string): Target =>
  PLAIN_PATH.test(rawTarget)
    ? { pathname: rawTarget, search: '', searchParams: NO_QUERY }
    : new URL(rawTarget, 'http://sandbox.invalid');

export interface SandboxServer {
  readonly server: Server;
  readonly close: () => Promise<void>;
}

export const createSandboxServer = (deps: ServerDeps): SandboxServer => {
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();

  const countFault = (kind: string): void => {
    deps.faultsInjected[kind] = (deps.faultsInjected[kind] ?? 0) + 1;
  };

  /** Sends the answer; says whether it was made unverifiable on purpose. */
  const send = (res: ServerResponse, reply: Reply, isApi: boolean): 'unverifiable' | undefined => {
    const headers: Record<string, string> = { 'Request-ID': randomUUID() };
    if (reply.contentType !== undefined) headers['Content-Type'] = reply.contentType;
    if (reply.headers !== undefined) Object.assign(headers, reply.headers);
    let unverifiable = false;
    if (isApi && reply.signature !== 'none') {
      unverifiable = deps.faults.unverifiableRate > 0 && deps.random() < deps.faults.unverifiableRate;
      if (unverifiable) countFault('unverifiable');
      Object.assign(
        headers,
        signatureHeaders(
          deps.signer(),
          Math.floor(deps.time.wallNow() / 1000),
          reply.signedText ?? reply.body,
          unverifiable && deps.faults.unverifiableAs === 'badSignature' ? 'wrong' : reply.signature,
        ),
        // A serial never listed: the client refreshes, still does not know it, and must not trust the answer.
        unverifiable && deps.faults.unverifiableAs === 'unknownSerial'
          ? { 'Wechatpay-Serial': randomBytes(20).toString('hex').toUpperCase() }
          : {},
      );
    }
    headers['Content-Length'] = String(reply.body.length);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return unverifiable ? 'unverifiable' : undefined;
  };

  const fail = (res: ServerResponse, e: unknown): void => {
    // A thrown error is a sandbox bug: answer 500 so the client sees it, and keep serving.
    process.stderr.write(`sandbox: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    if (!res.headersSent) send(res, errorReply(500, 'SYSTEM_ERROR', 'sandbox internal error'), false);
  };

  /** The ids of a call; a request too malformed to read them from is recorded without. */
  const idsOf = (route: Route, request: ApiRequest): CallIds => {
    try {
      return route.ids(deps.api, request);
    } catch {
      return {};
    }
  };

  const api = (
    req: IncomingMessage,
    res: ServerResponse,
    rawTarget: string,
    url: Target,
    body: Buffer,
    receivedAt: number,
    isDelayed: boolean,
  ): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    const matched = matchRoute(method, url.pathname);
    const request: ApiRequest | undefined =
      matched === undefined
        ? undefined
        : {
            params: matched.params,
            query: url.search === '' ? {} : queryObject(url.searchParams),
            body,
            acceptsGzip: /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? '')),
          };
    /** Into the call record: `status` null when no answer was sent. */
    const record = (status: number | null, fault: CallFault | undefined): void => {
      if (matched === undefined || request === undefined) return;
      const injected = fault ?? (isDelayed ? 'latency' : undefined);
      deps.calls.append({
        operation: matched.route.operation,
        instance: instanceOf(req.headers['user-agent']),
        ...idsOf(matched.route, request),
        receivedAt,
        answeredAt: status === null ? null : Date.now(),
        businessAt: deps.time.now(),
        status,
        ...(injected === undefined ? {} : { fault: injected }),
      });
    };
    const reply = (sent: Reply, fault?: CallFault): void => {
      const tampered = send(res, sent, true);
      record(sent.status, fault ?? sent.fault ?? tampered);
    };
    if (deps.faults.dropRate > 0 && deps.random() < deps.faults.dropRate) {
      countFault('drop');
      req.socket.destroy();
      record(null, 'drop');
      return;
    }
    const authorization = req.headers.authorization;
    const auth = authenticate(
      { method, rawTarget, body, authorization },
      deps.merchant(),
      deps.time.wallNow(),
    );
    if (auth._tag === 'Left') {
      reply(
        errorReply(401, 'SIGN_ERROR', auth.left.message, {
          issue: auth.left.issue,
          location: 'authorization',
        }),
      );
      return;
    }
    if (matched === undefined || request === undefined) {
      send(res, errorReply(404, 'NOT_FOUND', `no API ${method} ${url.pathname}`), true);
      return;
    }
    const { route } = matched;
    deps.requestCounts[route.limit] = (deps.requestCounts[route.limit] ?? 0) + 1;
    const wallNow = deps.time.wallNow();
    const isOverErrorBudget = route.limit === 'refund' && deps.limiter.isExhausted('refundErrors', wallNow);
    if (isOverErrorBudget || !deps.limiter.admit(route.limit, wallNow)) {
      reply(
        errorReply(
          429,
          route.limit === 'pay' ? 'RATE_LIMITED' : 'FREQUENCY_LIMIT_EXCEED',
          'too many requests',
        ),
      );
      return;
    }
    if (deps.faults.errorRate > 0 && deps.random() < deps.faults.errorRate) {
      countFault('error');
      reply(errorReply(500, 'SYSTEM_ERROR', 'injected system error: nothing was done'), 'error');
      return;
    }
    deps.catchUp();
    const handled = route.handle(deps.api, request);
    if (route.limit === 'refund' && handled.status >= 400) deps.limiter.admit('refundErrors', wallNow);
    if (handled.hang === true) {
      // The order exists, but the answer never comes: the client's timeout decides (§7.1 unknown outcome).
      held.add(res);
      res.on('close', () => held.delete(res));
      record(null, handled.fault ?? 'hang');
      return;
    }
    reply(handled);
  };

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    rawTarget: string,
    url: Target,
    body: Buffer,
    receivedAt: number,
  ): void => {
    if (url.pathname.startsWith('/sandbox/')) {
      deps.catchUp();
      const method = (req.method ?? 'GET').toUpperCase();
      send(res, handleControl(deps.control, method, url.pathname, url.searchParams, body), false);
      return;
    }
    const latencyMs = deps.faults.latencyMs;
    if (latencyMs > 0) {
      setTimeout(() => {
        try {
          api(req, res, rawTarget, url, body, receivedAt, true);
        } catch (e: unknown) {
          fail(res, e);
        }
      }, latencyMs);
      return;
    }
    api(req, res, rawTarget, url, body, receivedAt, false);
  };

  // Plain callbacks rather than async functions: no promise per request on the path every pay takes.
  const server = createServer((req, res) => {
    try {
      const receivedAt = Date.now();
      const rawTarget = req.url ?? '/';
      const url = targetOf(rawTarget);
      readBody(req, (body) => {
        try {
          if (body === undefined) {
            send(res, errorReply(400, 'PARAM_ERROR', 'body too large or unreadable'), false);
            return;
          }
          answer(req, res, rawTarget, url, body, receivedAt);
        } catch (e: unknown) {
          fail(res, e);
        }
      });
    } catch (e: unknown) {
      fail(res, e);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
};
