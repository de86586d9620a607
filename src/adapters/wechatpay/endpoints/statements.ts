import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import * as E from 'fp-ts/Either';
import type * as T from 'fp-ts/Task';
import type { StatementDate } from '../../../domain/shared/ids';
import type { GatewayOutcome, Statement } from '../../../ports/wechat-pay-gateway';
import { errorCode, toTransportError, type StreamedResponse } from '../http-transport';
import {
  classifyFailure,
  fromTransportError,
  isSuccessStatus,
  requestIdOf,
  unknown,
  verificationDetail,
} from '../outcome';
import { retryOnUnknown } from '../retry';
import { createStatementParser } from '../statement-parser';
import { header } from '../verification';
import { queryString, type EndpointContext } from './context';

/**
 * Statement download (reference §3 "Statement download", §5.8): the file is the body, gzip when we
 * ask for it; `Wechatpay-Statement-Sha1` is the SHA-1 of the *decompressed* CSV, and the response
 * signature covers `{"sha1":"<that hex>"}` instead of the body. The signature is checked before a
 * byte of the body is read, the SHA-1 after the last; rows are parsed as they stream in.
 */

export const STATEMENT_SHA1_HEADER = 'Wechatpay-Statement-Sha1';

export const statementDigestBody = (sha1: string): string => `{"sha1":"${sha1}"}`;

const isGzip = (res: StreamedResponse, head: Buffer): boolean =>
  /gzip/i.test(header(res.headers, 'content-encoding') ?? '') || (head[0] === 0x1f && head[1] === 0x8b);

async function* decompressed(res: StreamedResponse): AsyncGenerator<Buffer> {
  const it = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done === true) return;
  const all = async function* (): AsyncGenerator<Buffer> {
    yield head.value;
    for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
  };
  if (!isGzip(res, head.value)) return yield* all();
  const gunzip = createGunzip();
  pipeline(Readable.from(all()), gunzip, () => undefined);
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/** undici reports a destroyed body as an error event; nobody else is listening once we give up on it. */
const discard = (res: StreamedResponse): void => {
  res.body.on('error', () => undefined);
  res.body.destroy();
};

const collect = async (res: StreamedResponse): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const readStatement = async (
  ctx: EndpointContext,
  date: StatementDate,
  res: StreamedResponse,
): Promise<GatewayOutcome<Statement>> => {
  const requestId = requestIdOf(res.headers);
  const sha1 = header(res.headers, STATEMENT_SHA1_HEADER);
  if (sha1 === undefined || !/^[0-9a-fA-F]{40}$/.test(sha1)) {
    discard(res);
    return unknown('UnverifiedResponse', `missing or malformed ${STATEMENT_SHA1_HEADER}`, requestId);
  }
  const verified = await ctx.verify(res.headers, statementDigestBody(sha1));
  if (E.isLeft(verified)) {
    discard(res);
    return unknown('UnverifiedResponse', verificationDetail(verified.left), requestId);
  }
  const hash = createHash('sha1');
  const decoder = new StringDecoder('utf8');
  const parser = createStatementParser();
  try {
    for await (const chunk of decompressed(res)) {
      hash.update(chunk);
      parser.push(decoder.write(chunk));
    }
  } catch (e) {
    discard(res);
    const err = toTransportError(e);
    // A gzip stream that does not inflate is a bad body, not a network failure.
    if (errorCode(e).startsWith('Z_'))
      return unknown('MalformedResponse', `statement does not inflate: ${err.detail}`, requestId);
    return { ...fromTransportError(err), ...(requestId === undefined ? {} : { requestId }) };
  }
  parser.push(decoder.end());
  const actual = hash.digest('hex');
  if (actual !== sha1.toLowerCase())
    return unknown(
      'UnverifiedResponse',
      `statement SHA-1 ${actual} differs from the signed ${sha1}`,
      requestId,
    );
  const parsed = parser.end();
  if (E.isLeft(parsed)) return unknown('MalformedResponse', `statement: ${parsed.left}`, requestId);
  return {
    _tag: 'Success',
    value: {
      date,
      sha1: actual,
      rows: parsed.right.rows,
      summary: parsed.right.summary,
      unknownColumns: parsed.right.unknownColumns,
    },
    ...(requestId === undefined ? {} : { requestId }),
  };
};

export const downloadStatement =
  (ctx: EndpointContext) =>
  (date: StatementDate): T.Task<GatewayOutcome<Statement>> =>
  () => {
    // Which merchant id institutions send is UNCONFIRMED (§5.8, §12.8): configurable, `mchid` by default.
    const params = { date, [ctx.statementMerchantIdParam]: ctx.spMchid };
    const request = {
      method: 'GET' as const,
      pathAndQuery: `/v3/global/statements${queryString(params)}`,
      extraHeaders: { 'accept-encoding': 'gzip' },
    };
    const attempt = async (): Promise<GatewayOutcome<Statement>> => {
      const opened = await ctx.transport.open(request, ctx.timeouts.downloadStatement);
      if (E.isLeft(opened)) return fromTransportError(opened.left);
      const res = opened.right;
      if (!isSuccessStatus(res.status)) {
        const body = await collect(res).catch(() => Buffer.alloc(0));
        return classifyFailure(
          { status: res.status, headers: res.headers, body },
          { transientCodes: ctx.transientCodes, tradeStateMeansInProgress: false },
        );
      }
      return readStatement(ctx, date, res);
    };
    return retryOnUnknown(attempt, ctx.readRetry, ctx.retryDeps, (o, n) =>
      ctx.logger.info('retrying statement download', { attempt: n + 1, previous: o._tag }),
    );
  };
