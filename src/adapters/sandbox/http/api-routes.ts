import { gzipSync } from 'node:zlib';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { PlatformCertificate, SandboxKeys } from '../credentials/credentials';
import type { EngineContext } from '../model/context';
import { closeOrder, pay, queryOrder, reverse, type OrderLookup } from '../model/orders';
import { createRefund, listRefunds, queryRefund } from '../model/refunds';
import { encryptResource } from '../protocol/aead';
import {
  decode,
  MchidsBodyCodec,
  MchidsQueryCodec,
  parseJsonBody,
  PayRequestCodec,
  RefundListQueryCodec,
  RefundRequestCodec,
  SettlementQueryCodec,
  StatementQueryCodec,
} from '../protocol/codecs';
import { settlementBatches } from '../reports/settlements';
import { buildStatement } from '../reports/statement';
import { gmt8Date, gmt8DayStart, rfc3339 } from '../time';
import type { CallIds, Operation } from './calls';
import type { LimitClass } from './limits';
import { errorReply, jsonReply, type Reply } from './reply';

/** The apihk endpoints of reference §5, by method and path. */

export interface ApiRequest {
  readonly params: readonly string[];
  readonly query: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly acceptsGzip: boolean;
}

export interface ApiContext {
  readonly engine: EngineContext;
  readonly keys: SandboxKeys;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly limit: LimitClass;
  /** The name the call record gives it. */
  readonly operation: Operation;
  readonly handle: (context: ApiContext, request: ApiRequest) => Reply;
  /** The ids the call concerns, for the call record; read leniently from any request, valid or not. */
  readonly ids: (context: ApiContext, request: ApiRequest) => CallIds;
}

const SEGMENT = '([^/?]+)';
const merge = (e: E.Either<Reply, Reply>): Reply => E.getOrElse((r: Reply) => r)(e);

const orderLookup = (kind: 'id' | 'out-trade-no', value: string): OrderLookup =>
  kind === 'id' ? { id: value } : { outTradeNo: value };

const param = (request: ApiRequest, index: number): string => decodeURIComponent(request.params[index] ?? '');

const withBody = <A>(
  codec: Parameters<typeof decode<A>>[0],
  body: Buffer,
  then: (value: A) => Reply,
): Reply =>
  merge(
    pipe(
      parseJsonBody(body),
      E.chain((json) => decode(codec, json, 'body')),
      E.map(then),
    ),
  );

const withQuery = <A>(
  codec: Parameters<typeof decode<A>>[0],
  query: unknown,
  then: (value: A) => Reply,
): Reply => merge(E.map(then)(decode(codec, query, 'query')));

/** The listed certificates: those not yet past their (possibly shortened) expire_time (§4). */
/** Valid and already announced: a rotation may list a new certificate only once it signs. */
export const listedPlatforms = (keys: SandboxKeys, now: number): readonly PlatformCertificate[] =>
  keys.platforms.filter((p) => p.expireTime > now && (p.listedFrom === undefined || p.listedFrom <= now));

const certificates = (context: ApiContext): Reply =>
  jsonReply(200, {
    data: listedPlatforms(context.keys, context.engine.time.now()).map((platform) => ({
      serial_no: platform.serial,
      effective_time: rfc3339(platform.effectiveTime),
      expire_time: rfc3339(platform.expireTime),
      encrypt_certificate: encryptResource(context.keys.apiV3Key, 'certificate', platform.certificatePem),
    })),
  });

const DAY_MS = 24 * 3600_000;
/** §5.8: the Global page offers statements of the last 180 days only. */
const STATEMENT_MAX_AGE_DAYS = 180;

/**
 * A day's file exists only once the GMT+8 day has closed and WeChat has generated it the next
 * morning; the codes are the sandbox's assumption (docs/sandbox.md): NO_STATEMENT_EXIST, which is
 * what a merchant sees for a file that is not there, and INVALID_REQUEST beyond 180 days.
 */
const statementRefusal = (date: string, now: number, readyAfterHours: number): Reply | undefined => {
  const start = gmt8DayStart(date);
  if (now < start + DAY_MS + readyAfterHours * 3600_000)
    return errorReply(400, 'NO_STATEMENT_EXIST', 'the statement for this date is not generated yet');
  if (start < gmt8DayStart(gmt8Date(now)) - STATEMENT_MAX_AGE_DAYS * DAY_MS)
    return errorReply(400, 'INVALID_REQUEST', 'statements can only be downloaded for the last 180 days');
  return undefined;
};

const statement = (context: ApiContext, request: ApiRequest): Reply =>
  withQuery(StatementQueryCodec, request.query, (query) => {
    const settings = context.engine.settings;
    if (query.mchid !== settings.spMchid)
      return errorReply(403, 'NO_AUTH', 'mchid is not the signing institution');
    const refusal = statementRefusal(
      query.date,
      context.engine.time.now(),
      settings.statementReadyAfterHours,
    );
    if (refusal !== undefined) return refusal;
    const file = buildStatement(context.engine.records, {
      date: query.date,
      ...(request.query['sub_mchid'] === undefined ? {} : { subMchid: request.query['sub_mchid'] }),
      spMchid: settings.spMchid,
      spAppid: settings.spAppid,
      feeBasisPoints: settings.feeBasisPoints,
      header: context.engine.controls.statementHeader ?? settings.statementHeader,
    });
    if (file === undefined) return errorReply(404, 'NO_STATEMENT_EXIST', 'no statement exists for this date');
    // §3: the signature covers {"sha1":"…"}, the SHA-1 of the uncompressed CSV, not the body.
    return {
      status: 200,
      body: request.acceptsGzip ? gzipSync(file.csv) : file.csv,
      contentType: 'text/plain; charset=utf-8',
      headers: {
        'Wechatpay-Statement-Sha1': file.sha1,
        ...(request.acceptsGzip ? { 'Content-Encoding': 'gzip' } : {}),
      },
      signature: 'valid',
      signedText: Buffer.from(JSON.stringify({ sha1: file.sha1 })),
    };
  });

const page = (value: string | undefined, fallback: number, max: number): number | undefined =>
  value === undefined
    ? fallback
    : /^[0-9]{1,6}$/.test(value) && Number(value) <= max
      ? Number(value)
      : undefined;

/** §5.9: limit ≤ 30; SETTLED needs both dates, end ≥ start; UNSETTLE ignores them. */
const settlements = (context: ApiContext, request: ApiRequest): Reply =>
  withQuery(SettlementQueryCodec, request.query, (query) => {
    const queryError = (field: string, issue: string): Reply =>
      errorReply(400, 'PARAM_ERROR', `${field}: ${issue}`, { field, issue, location: 'query' });
    const limit = page(query.limit, 10, 30);
    const offset = page(query.offset, 0, 1_000_000);
    if (limit === undefined || limit === 0) return queryError('limit', 'must be 1 to 30');
    if (offset === undefined) return queryError('offset', 'must be a non-negative integer');
    const isSettled = query.settle_state === 'SETTLED';
    if (isSettled && (query.settle_start_date === undefined || query.settle_end_date === undefined)) {
      return queryError(
        'settle_start_date',
        'settle_start_date and settle_end_date are required when SETTLED',
      );
    }
    const start = query.settle_start_date ?? '';
    const end = query.settle_end_date ?? '';
    if (isSettled && end < start)
      return queryError('settle_end_date', 'must not be before settle_start_date');
    const now = context.engine.time.now();
    const today = gmt8Date(now);
    const all = settlementBatches(context.engine.records.ledger(), now)
      .filter((b) => query.sub_mchid === undefined || b.sub_mchid === query.sub_mchid)
      .filter((b) =>
        isSettled
          ? b.settlement_date <= today && b.settlement_date >= start && b.settlement_date <= end
          : b.settlement_date > today,
      );
    return jsonReply(200, {
      data: all.slice(offset, offset + limit),
      total_count: all.length,
      offset,
      limit,
    });
  });

/** A field of a JSON body, or {} when the body is not a JSON object. */
const bodyFields = (body: Buffer): Readonly<Record<string, unknown>> => {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** An id worth recording: a short non-empty string. */
const idText = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : undefined;

/** Drops the absent ids, so a record holds only what is known. */
const known = (ids: Record<keyof CallIds, string | undefined>): CallIds => {
  const result: { -readonly [K in keyof CallIds]: string } = {};
  if (ids.subMchid !== undefined) result.subMchid = ids.subMchid;
  if (ids.outTradeNo !== undefined) result.outTradeNo = ids.outTradeNo;
  if (ids.outRefundNo !== undefined) result.outRefundNo = ids.outRefundNo;
  return result;
};

/** The out_trade_no of the order a WeChat transaction id names, if the sandbox holds it. */
const outTradeNoOf = (context: ApiContext, transactionId: string | undefined): string | undefined =>
  transactionId === undefined ? undefined : context.engine.records.orderById(transactionId)?.outTradeNo;

/** Ids of a call that names an order in its path (`id` or `out-trade-no`) and sub_mchid elsewhere. */
const orderPathIds = (context: ApiContext, request: ApiRequest, subMchid: unknown): CallIds =>
  known({
    subMchid: idText(subMchid),
    outTradeNo:
      request.params[0] === 'out-trade-no'
        ? idText(param(request, 1))
        : outTradeNoOf(context, idText(param(request, 1))),
    outRefundNo: undefined,
  });

const payIds = (_: ApiContext, request: ApiRequest): CallIds => {
  const body = bodyFields(request.body);
  return known({
    subMchid: idText(body['sub_mchid']),
    outTradeNo: idText(body['out_trade_no']),
    outRefundNo: undefined,
  });
};

const refundIds = (context: ApiContext, request: ApiRequest): CallIds => {
  const body = bodyFields(request.body);
  return known({
    subMchid: idText(body['sub_mchid']),
    outTradeNo: idText(body['out_trade_no']) ?? outTradeNoOf(context, idText(body['transaction_id'])),
    outRefundNo: idText(body['out_refund_no']),
  });
};

const queryRefundIds = (context: ApiContext, request: ApiRequest): CallIds => {
  const subMchid = idText(request.query['sub_mchid']);
  const named = idText(param(request, 1));
  const records = context.engine.records;
  const refund =
    named === undefined
      ? undefined
      : request.params[0] === 'id'
        ? records.refundById(named)
        : subMchid === undefined
          ? undefined
          : records.refund(subMchid, named);
  return known({
    subMchid,
    outTradeNo: refund?.outTradeNo,
    outRefundNo: request.params[0] === 'id' ? refund?.outRefundNo : named,
  });
};

const listRefundIds = (context: ApiContext, request: ApiRequest): CallIds =>
  known({
    subMchid: idText(request.query['sub_mchid']),
    outTradeNo:
      idText(request.query['out_trade_no']) ?? outTradeNoOf(context, idText(request.query['transaction_id'])),
    outRefundNo: undefined,
  });

const subMchidIds = (_: ApiContext, request: ApiRequest): CallIds =>
  known({ subMchid: idText(request.query['sub_mchid']), outTradeNo: undefined, outRefundNo: undefined });

const noIds = (): CallIds => ({});

/** `(id|out-trade-no)/{value}` in the path: the order it names. */
const orderRef = (r: Parameters<Route['handle']>[1]) =>
  orderLookup(r.params[0] === 'id' ? 'id' : 'out-trade-no', param(r, 1));

export const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    pattern: /^\/v3\/global\/micropay\/transactions\/pay$/,
    limit: 'pay',
    operation: 'pay',
    handle: (c, r) => withBody(PayRequestCodec, r.body, (body) => pay(c.engine, body)),
    ids: payIds,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v3/global/transactions/(id|out-trade-no)/${SEGMENT}$`),
    limit: 'query',
    operation: 'queryOrder',
    handle: (c, r) =>
      withQuery(MchidsQueryCodec, r.query, (q) => queryOrder(c.engine, q.sp_mchid, q.sub_mchid, orderRef(r))),
    ids: (c, r) => orderPathIds(c, r, r.query['sub_mchid']),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v3/global/micropay/transactions/(id|out-trade-no)/${SEGMENT}/reverse$`),
    limit: 'reverse',
    operation: 'reverse',
    handle: (c, r) =>
      withBody(MchidsBodyCodec, r.body, (b) => reverse(c.engine, b.sp_mchid, b.sub_mchid, orderRef(r))),
    ids: (c, r) => orderPathIds(c, r, bodyFields(r.body)['sub_mchid']),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v3/global/transactions/(id|out-trade-no)/${SEGMENT}/close$`),
    limit: 'reverse',
    operation: 'closeOrder',
    handle: (c, r) =>
      withBody(MchidsBodyCodec, r.body, (b) => closeOrder(c.engine, b.sp_mchid, b.sub_mchid, orderRef(r))),
    ids: (c, r) => orderPathIds(c, r, bodyFields(r.body)['sub_mchid']),
  },
  {
    method: 'POST',
    pattern: /^\/v3\/global\/refunds$/,
    limit: 'refund',
    operation: 'refund',
    handle: (c, r) => withBody(RefundRequestCodec, r.body, (body) => createRefund(c.engine, body)),
    ids: refundIds,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v3/global/refunds/(id|out-refund-no)/${SEGMENT}$`),
    limit: 'query',
    operation: 'queryRefund',
    handle: (c, r) =>
      withQuery(MchidsQueryCodec, r.query, (q) =>
        queryRefund(
          c.engine,
          q.sp_mchid,
          q.sub_mchid,
          r.params[0] === 'id' ? { id: param(r, 1) } : { outRefundNo: param(r, 1) },
        ),
      ),
    ids: queryRefundIds,
  },
  {
    method: 'GET',
    pattern: /^\/v3\/global\/refunds$/,
    limit: 'query',
    operation: 'queryAllRefunds',
    handle: (c, r) => withQuery(RefundListQueryCodec, r.query, (q) => listRefunds(c.engine, q)),
    ids: listRefundIds,
  },
  {
    method: 'GET',
    pattern: /^\/v3\/global\/statements$/,
    limit: 'statements',
    operation: 'downloadStatement',
    handle: statement,
    ids: subMchidIds,
  },
  {
    method: 'GET',
    pattern: /^\/v3\/global\/settle\/settlements$/,
    limit: 'query',
    operation: 'querySettlements',
    handle: settlements,
    ids: subMchidIds,
  },
  {
    method: 'GET',
    pattern: /^\/v3\/global\/certificates$/,
    limit: 'certificates',
    operation: 'platformCertificates',
    handle: certificates,
    ids: noIds,
  },
];

export const matchRoute = (method: string, path: string): { route: Route; params: string[] } | undefined => {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match !== null) return { route, params: match.slice(1) };
  }
  return undefined;
};
