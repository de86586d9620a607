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
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
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
  const fields = {
    operation: op,
    outcome: outcome._tag,
    elapsedMs: ctx.clock.now() - startedAt,
    ...(outcome.requestId === undefined ? {} : { requestId: outcome.requestId }),
    ...(outcome._tag === 'Unknown' ? { reason: outcome.reason, detail: outcome.detail } : {}),
    ...(outcome._tag === 'Rejected' || outcome._tag === 'NotFound' ? { code: outcome.code } : {}),
  };
  if (outcome._tag === 'Unknown') ctx.logger.warn('wechatpay call without a trustworthy answer', fields);
  else ctx.logger.debug('wechatpay call', fields);
};

const attemptOnce = async <A>(
  ctx: EndpointContext,
  op: Operation,
  request: OutgoingRequest,
  options: CallOptions<A>,
): Promise<GatewayOutcome<A>> => {
  const startedAt = ctx.clock.now();
  const classify: ClassifyOptions = {
    transientCodes: ctx.transientCodes,
    tradeStateMeansInProgress: options.tradeStateMeansInProgress ?? false,
  };
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

export const call = <A>(
  ctx: EndpointContext,
  op: Operation,
  request: OutgoingRequest,
  options: CallOptions<A>,
): Promise<GatewayOutcome<A>> =>
  options.idempotent
    ? retryOnUnknown(
        () => attemptOnce(ctx, op, request, options),
        ctx.readRetry,
        ctx.retryDeps,
        (o, n) =>
          ctx.logger.info('retrying wechatpay read', { operation: op, attempt: n + 1, previous: o._tag }),
      )
    : attemptOnce(ctx, op, request, options);

/** 204 (reverse, close) carries no body; a 200 with a body is accepted and ignored. */
export const expectNoContent = (): E.Either<string, void> => E.right(undefined);
