import * as E from 'fp-ts/Either';
import type { Clock } from '../../../ports/clock';
import type { Logger } from '../../../ports/logger';
import type { GatewayOutcome } from '../../../ports/wechat-pay-gateway';
import type { AppId, SpMchid } from '../../../domain/shared/ids';
import type { OutgoingRequest, ResponseHeaders } from '../http-transport';
import type { Transport } from '../http-transport';
import {
  classifyFailure,
  classifyVerified,
  fromTransportError,
  isSuccessStatus,
  type ClassifyOptions,
} from '../outcome';
import { retryOnUnknown, type RetryDeps, type RetryPolicy } from '../retry';
import type { VerificationError } from '../verification';

/** What every endpoint needs, built once by `createWeChatPayClient`. */

export type Operation =
  | 'pay'
  | 'queryOrder'
  | 'reverse'
  | 'closeOrder'
  | 'refund'
  | 'queryRefund'
  | 'queryAllRefunds'
  | 'downloadStatement'
  | 'querySettlements'
  | 'platformCertificates';

export type OperationTimeouts = Readonly<Record<Operation, number>>;

export type StatementMerchantIdParam = 'mchid' | 'sp_mchid';

export interface EndpointContext {
  readonly transport: Transport;
  readonly verify: (
    headers: ResponseHeaders,
    body: string | Buffer,
  ) => Promise<E.Either<VerificationError, unknown>>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly spMchid: SpMchid;
  readonly spAppid: AppId;
  readonly timeouts: OperationTimeouts;
  readonly readRetry: RetryPolicy;
  readonly retryDeps: RetryDeps;
  readonly transientCodes: ReadonlySet<string>;
  readonly statementMerchantIdParam: StatementMerchantIdParam;
}

/** `?a=1&b=2` from the defined entries, percent-encoded; the same string is signed and sent. */
export const queryString = (params: Readonly<Record<string, string | number | undefined>>): string => {
  // A plain loop: this runs on every query, and the entries/filter/map chain allocated four arrays.
  let out = '';
  for (const k of Object.keys(params)) {
    const v = params[k];
    if (v === undefined) continue;
    out += `${out === '' ? '?' : '&'}${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
  }
  return out;
};

export const segment = (value: string): string => encodeURIComponent(value);

export interface CallOptions<A> {
  readonly decode: (json: unknown) => E.Either<string, A>;
  /** Reads are retried on Unknown; writes never are (see retry.ts). */
  readonly idempotent: boolean;
  readonly tradeStateMeansInProgress?: boolean;
}

const logOutcome = (
  ctx: EndpointContext,
  op: Operation,
  startedAt: number,
  outcome: GatewayOutcome<unknown>,
) => {
  // Assigned field by field rather than spread: this runs once per call, logged or not.
  const fields: Record<string, unknown> = {
    operation: op,
    outcome: outcome._tag,
    elapsedMs: ctx.clock.now() - startedAt,
  };
  if (outcome.requestId !== undefined) fields['requestId'] = outcome.requestId;
  if (outcome._tag === 'Unknown') {
    fields['reason'] = outcome.reason;
    fields['detail'] = outcome.detail;
    ctx.logger.warn('wechatpay call without a trustworthy answer', fields);
    return;
  }
  if (outcome._tag === 'Rejected' || outcome._tag === 'NotFound') fields['code'] = outcome.code;
  ctx.logger.debug('wechatpay call', fields);
};

/** The two classification variants, built once per context rather than once per call. */
const classifyCache = new WeakMap<EndpointContext, readonly [ClassifyOptions, ClassifyOptions]>();
const classifyFor = (ctx: EndpointContext, tradeStateMeansInProgress: boolean): ClassifyOptions => {
  let pair = classifyCache.get(ctx);
  if (pair === undefined) {
    pair = [
      { transientCodes: ctx.transientCodes, tradeStateMeansInProgress: false },
      { transientCodes: ctx.transientCodes, tradeStateMeansInProgress: true },
    ];
    classifyCache.set(ctx, pair);
  }
  return pair[tradeStateMeansInProgress ? 1 : 0];
};

const attemptOnce = async <A>(
  ctx: EndpointContext,
  op: Operation,
  request: OutgoingRequest,
  options: CallOptions<A>,
): Promise<GatewayOutcome<A>> => {
  const startedAt = ctx.clock.now();
  const classify = classifyFor(ctx, options.tradeStateMeansInProgress ?? false);
  const res = await ctx.transport.send(request, ctx.timeouts[op]);
  let outcome: GatewayOutcome<A>;
  if (E.isLeft(res)) outcome = fromTransportError(res.left);
  else if (!isSuccessStatus(res.right.status)) outcome = classifyFailure(res.right, classify);
  else
    outcome = classifyVerified(
      res.right,
      await ctx.verify(res.right.headers, res.right.body),
      options.decode,
      classify,
    );
  logOutcome(ctx, op, startedAt, outcome);
  return outcome;
};

export const call = async <A>(
  ctx: EndpointContext,
  op: Operation,
  request: OutgoingRequest,
  options: CallOptions<A>,
): Promise<GatewayOutcome<A>> => {
  const first = await attemptOnce(ctx, op, request, options);
  // The retry machinery (and its closures) only for a read whose first answer was Unknown.
  if (!options.idempotent || first._tag !== 'Unknown' || ctx.readRetry.attempts <= 1) return first;
  let used = false;
  return retryOnUnknown(
    () => {
      if (used) return attemptOnce(ctx, op, request, options);
      used = true;
      return Promise.resolve(first);
    },
    ctx.readRetry,
    ctx.retryDeps,
    (o, n) => ctx.logger.info('retrying wechatpay read', { operation: op, attempt: n + 1, previous: o._tag }),
  );
};

/** 204 (reverse, close) carries no body; a 200 with a body is accepted and ignored. */
export const expectNoContent = (): E.Either<string, void> => E.right(undefined);
