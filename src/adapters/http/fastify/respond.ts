import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../ports/logger';
import type { ApiError, PaymentApi, RequestContext } from '../../../ports/payment-api';
import { apiProblem, problem, PROBLEM_CONTENT_TYPE, type FieldError, type Problem } from './problem';

/** What every route module needs. */
export interface RouteDeps {
  readonly api: PaymentApi;
  readonly logger: Logger;
}

/** Calls through the API token act as one actor; the correlation id ties logs and events together. */
export const requestContext = (request: FastifyRequest): RequestContext => ({
  actor: 'api-token',
  correlationId: request.id,
});

export const sendProblem = (reply: FastifyReply, body: Problem): FastifyReply => {
  if (body.retry_after !== undefined) reply.header('retry-after', String(body.retry_after));
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
};

type Decoded<R> = { readonly [K in keyof R]: R[K] extends E.Either<unknown, infer A> ? A : never };

/** Decodes params, query and body together, so one 400 lists every invalid field. */
export const collect = <R extends Record<string, E.Either<readonly FieldError[], unknown>>>(
  parts: R,
): E.Either<readonly FieldError[], Decoded<R>> => {
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(parts)) {
    if (E.isLeft(part)) errors.push(...part.left);
    else values[key] = part.right;
  }
  return errors.length > 0 ? E.left(errors) : E.right(values as Decoded<R>);
};

export const sendInvalid = (reply: FastifyReply, errors: readonly FieldError[]): FastifyReply =>
  sendProblem(reply, problem('VALIDATION_FAILED', { detail: `${errors.length} invalid field(s)`, errors }));

export interface Success {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const respond = async <A>(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  task: TE.TaskEither<ApiError, A>,
  onSuccess: (value: A) => Success,
): Promise<FastifyReply> => {
  const result = await task();
  if (E.isLeft(result)) {
    const body = apiProblem(result.left);
    const fields = { correlationId: request.id, code: body.code, error: result.left };
    if (body.status >= 500) deps.logger.warn('request failed', fields);
    else deps.logger.info('request refused', fields);
    return sendProblem(reply, body);
  }
  const ok = onSuccess(result.right);
  if (ok.headers !== undefined) reply.headers(ok.headers);
  return reply.code(ok.status).send(ok.body);
};
