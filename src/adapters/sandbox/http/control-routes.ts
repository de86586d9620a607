import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EngineContext } from '../model/context';
import type { Order, Refund } from '../model/types';
import { scheduleRefundTransition } from '../model/refunds';
import type { Dispatcher } from '../notify/dispatcher';
import { decode, parseJsonBody } from '../protocol/codecs';
import type { RotateRequest, RotationRecord } from '../rotation';
import { OperationCodec, type CallFilter, type SandboxCall } from './calls';
import type { NetworkFaults, RateLimits } from './limits';
import { errorReply, jsonReply, type Reply } from './reply';

/**
 * The control API under /sandbox/ (docs/sandbox.md): unauthenticated and unsigned, for tests and
 * demos only. Reads are side-effect free; writes change faults, time, certificates and outcomes.
 */

export interface ControlContext {
  readonly engine: EngineContext;
  readonly dispatcher: Dispatcher;
  readonly faults: NetworkFaults;
  readonly limits: RateLimits;
  readonly rotate: (request: RotateRequest) => CertificateSerials;
  /** Undefined when the serial is not listed. */
  readonly signWith: (serial: string) => CertificateSerials | undefined;
  readonly certificateSerials: () => CertificateSerials;
  /** API requests answered so far, per endpoint class. */
  readonly requestCounts: Readonly<Record<string, number>>;
  /** Faults injected so far, by kind (`error`, `drop`, `unverifiable`). */
  readonly faultsInjected: Readonly<Record<string, number>>;
  /** The call record: every API call, with the instance that made it. */
  readonly calls: (filter: CallFilter) => readonly SandboxCall[];
  /** Calls discarded from the record to keep it bounded. */
  readonly callsDiscarded: () => number;
}

export interface CertificateSerials {
  readonly serials: readonly string[];
  readonly signingSerial: string;
  /** Certificate downloads answered so far. */
  readonly downloads: number;
  readonly rotations: readonly RotationRecord[];
}

const rate = t.refinement(t.number, (n) => n >= 0 && n <= 1, 'rate 0..1');
const nonNegative = t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0, 'number ≥ 0');
const positiveInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, 'int > 0');

const FaultsCodec = t.partial({
  latencyMs: nonNegative,
  errorRate: rate,
  dropRate: rate,
  unverifiableRate: rate,
  unverifiableAs: t.keyof({ badSignature: null, unknownSerial: null }),
});
const NotificationFaultsCodec = t.partial({
  duplicate: t.boolean,
  reorder: t.boolean,
  delayMs: nonNegative,
  drop: t.boolean,
  probeSignature: t.boolean,
  origin: t.union([t.refinement(t.string, (u) => /^https?:\/\/[^/]+\/?$/.test(u), 'origin'), t.null]),
  associatedData: t.refinement(t.string, (u) => u.length <= 64, 'text of at most 64 characters'),
});
const countCodec = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'int ≥ 0');
const ReverseFaultsCodec = t.partial({ errors: countCodec, hangs: countCodec });
const StatementSettingsCodec = t.partial({ header: t.keyof({ en: null, zh: null }) });
const AdvanceCodec = t.partial({ ms: nonNegative, seconds: nonNegative });
const RotateCodec = t.partial({
  signWith: t.keyof({ new: null, old: null }),
  /** Business ms from now until the new certificate signs; implies signWith 'new'. */
  afterMs: nonNegative,
  /** Business epoch ms at which the new certificate signs; implies signWith 'new'. */
  at: nonNegative,
  announce: t.keyof({ now: null, 'when-signing': null }),
});

const rotateRequest = (value: t.TypeOf<typeof RotateCodec>, now: number): RotateRequest | string => {
  if (value.afterMs !== undefined && value.at !== undefined) return 'give afterMs or at, not both';
  const timed = value.afterMs !== undefined || value.at !== undefined;
  const signWith = value.signWith ?? (timed || value.announce === 'when-signing' ? 'new' : 'old');
  if (signWith === 'old' && (timed || value.announce === 'when-signing'))
    return "a timed or unannounced rotation needs signWith 'new'";
  const signsAt = value.at ?? (value.afterMs === undefined ? now : now + value.afterMs);
  return { signWith, signsAt, announce: value.announce ?? 'now' };
};
const SignWithCodec = t.type({ serial: t.string });
const RefundOutcomeCodec = t.type({
  outcome: t.union([t.keyof({ SUCCESS: null, REFUNDCLOSE: null, ABNORMAL: null }), t.null]),
});
const RefundStatusCodec = t.keyof({ SUCCESS: null, REFUNDCLOSE: null, ABNORMAL: null });
const RefundTransitionCodec = t.intersection([
  t.type({ sub_mchid: t.string, out_refund_no: t.string, status: RefundStatusCodec }),
  /** Business seconds from now; default 0 (at the next request or tick). */
  t.partial({ after_seconds: nonNegative }),
]);
const RefundRefusalsCodec = t.type({
  code: t.union([t.keyof({ NOT_ENOUGH: null, FREQUENCY_LIMITED: null, SYSTEM_ERROR: null }), t.null]),
  /** Refuse the next `count` new submissions; `seconds`: for that many business seconds. Either, both. */
  count: t.union([positiveInt, t.undefined]),
  seconds: t.union([nonNegative, t.undefined]),
});
const RefundDelaysCodec = t.partial({
  SUCCESS: nonNegative,
  REFUNDCLOSE: nonNegative,
  ABNORMAL: nonNegative,
});
const RateLimitsCodec = t.partial({
  pay: positiveInt,
  reverse: positiveInt,
  refund: positiveInt,
  refundErrors: positiveInt,
  query: positiveInt,
  certificates: positiveInt,
  statements: positiveInt,
});

/** A call seq in a query string: a whole number ≥ 0, written plainly. */
const SeqFromString = new t.Type<number, string, unknown>(
  'call seq (whole number ≥ 0)',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === 'string' && /^[0-9]{1,15}$/.test(u) ? t.success(Number(u)) : t.failure(u, c)),
  String,
);
const idParam = (name: string) =>
  t.refinement(t.string, (s) => s.length >= 1 && s.length <= 128, `${name} (1-128 characters)`);
const CallsQueryCodec = t.partial({
  operation: OperationCodec,
  outTradeNo: idParam('out_trade_no'),
  outRefundNo: idParam('out_refund_no'),
  instance: t.refinement(t.string, (s) => /^[A-Za-z0-9._-]{1,64}$/.test(s), 'instance id'),
  since: SeqFromString,
});
const CALLS_FILTERS = Object.keys(CallsQueryCodec.props);

const queryError = (parameter: string, issue: string): Reply =>
  errorReply(400, 'PARAM_ERROR', `query parameter ${parameter}: ${issue}`, {
    field: parameter,
    issue,
    location: 'query',
  });

/** `GET /sandbox/calls?…`: each filter at most once, none unknown, each decoded; 400 naming the first wrong. */
const callsFilter = (search: URLSearchParams): CallFilter | Reply => {
  const query: Record<string, string> = {};
  for (const [name, value] of search) {
    if (!CALLS_FILTERS.includes(name))
      return queryError(name, `unknown filter; the filters are ${CALLS_FILTERS.join(', ')}`);
    if (name in query) return queryError(name, 'given more than once');
    query[name] = value;
  }
  const decoded = CallsQueryCodec.decode(query);
  if (E.isRight(decoded)) return decoded.right;
  const error = decoded.left[0];
  const entry = error?.context[error.context.length - 1];
  const name = error?.context[1]?.key ?? 'query';
  return queryError(name, `expected ${entry?.type.name ?? 'value'}, got ${JSON.stringify(error?.value)}`);
};

const withJson = <A>(codec: t.Type<A, unknown, unknown>, body: Buffer, then: (value: A) => Reply): Reply => {
  const text = body.length === 0 ? Buffer.from('{}') : body;
  const decoded = E.chain((json: unknown) => decode(codec, json, 'body'))(parseJsonBody(text));
  return E.isLeft(decoded) ? decoded.left : then(decoded.right);
};

const ledgerView = (engine: EngineContext): Record<string, unknown> => {
  const entries = engine.records.ledger();
  const balances = new Map<
    string,
    { subMchid: string; currency: string; paid: number; refunded: number; fees: number }
  >();
  for (const entry of entries) {
    const key = `${entry.subMchid}|${entry.currency}`;
    const balance = balances.get(key) ?? {
      subMchid: entry.subMchid,
      currency: entry.currency,
      paid: 0,
      refunded: 0,
      fees: 0,
    };
    if (entry.kind === 'PAYMENT') balance.paid += entry.amount;
    else balance.refunded += entry.amount;
    balance.fees += entry.fee;
    balances.set(key, balance);
  }
  return {
    entries,
    balances: [...balances.values()].map((b) => ({ ...b, net: b.paid - b.refunded })),
  };
};

/** What WeChat holds for each order and refund: the truth a test compares a client's records with. */
const orderTruth = (o: Order) => ({
  subMchid: o.subMchid,
  outTradeNo: o.outTradeNo,
  transactionId: o.id,
  tradeState: o.tradeState,
  total: o.total,
  currency: o.currency,
});
const refundTruth = (r: Refund) => ({
  subMchid: r.subMchid,
  outTradeNo: r.outTradeNo,
  outRefundNo: r.outRefundNo,
  refundId: r.id,
  status: r.status,
  refund: r.refund,
  currency: r.currency,
});
const statementSettings = (engine: EngineContext): Record<string, unknown> => ({
  header: engine.controls.statementHeader ?? engine.settings.statementHeader,
  readyAfterHours: engine.settings.statementReadyAfterHours,
});
const refundControlsView = (engine: EngineContext): Record<string, unknown> => ({
  next_outcome: engine.controls.nextRefundOutcome ?? null,
  default_outcome: engine.settings.defaultRefundOutcome,
  delay_seconds: engine.settings.refundDelaySeconds,
  refusal:
    engine.controls.refundRefusal === undefined
      ? null
      : {
          code: engine.controls.refundRefusal.code,
          ...(engine.controls.refundRefusal.remaining !== undefined
            ? { remaining: engine.controls.refundRefusal.remaining }
            : {}),
          ...(engine.controls.refundRefusal.until !== undefined
            ? { until: engine.controls.refundRefusal.until }
            : {}),
        },
});

export const handleControl = (
  context: ControlContext,
  method: string,
  path: string,
  search: URLSearchParams,
  body: Buffer,
): Reply => {
  const { engine, dispatcher } = context;
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /sandbox/ledger':
      return jsonReply(200, ledgerView(engine), 'none');
    case 'GET /sandbox/orders':
      return jsonReply(200, { orders: engine.records.orders().map(orderTruth) }, 'none');
    case 'GET /sandbox/refunds':
      return jsonReply(200, { refunds: engine.records.refunds().map(refundTruth) }, 'none');
    case 'GET /sandbox/time':
      return jsonReply(
        200,
        { now: engine.time.now(), wallNow: engine.time.wallNow(), timeScale: engine.time.timeScale },
        'none',
      );
    case 'POST /sandbox/time/advance':
      return withJson(AdvanceCodec, body, (value) => {
        engine.time.advance((value.ms ?? 0) + (value.seconds ?? 0) * 1000);
        return jsonReply(200, { now: engine.time.now() }, 'none');
      });
    case 'GET /sandbox/faults':
      return jsonReply(200, context.faults, 'none');
    case 'POST /sandbox/faults':
      return withJson(FaultsCodec, body, (value) => {
        Object.assign(context.faults, value);
        return jsonReply(200, context.faults, 'none');
      });
    case 'GET /sandbox/faults/reverse':
      return jsonReply(200, engine.controls.reverseFaults ?? { errors: 0, hangs: 0 }, 'none');
    case 'POST /sandbox/faults/reverse':
      return withJson(ReverseFaultsCodec, body, (value) => {
        const faults = engine.controls.reverseFaults ?? { errors: 0, hangs: 0 };
        engine.controls.reverseFaults = Object.assign(faults, value);
        return jsonReply(200, faults, 'none');
      });
    case 'GET /sandbox/rate-limits':
      return jsonReply(200, context.limits, 'none');
    case 'POST /sandbox/rate-limits':
      return withJson(RateLimitsCodec, body, (value) => {
        Object.assign(context.limits, value);
        return jsonReply(200, context.limits, 'none');
      });
    case 'GET /sandbox/certificates':
      return jsonReply(200, context.certificateSerials(), 'none');
    case 'POST /sandbox/certificates/rotate':
      return withJson(RotateCodec, body, (value) => {
        const request = rotateRequest(value, engine.time.now());
        return typeof request === 'string'
          ? errorReply(400, 'PARAM_ERROR', request, { issue: request, location: 'body' })
          : jsonReply(200, context.rotate(request), 'none');
      });
    case 'GET /sandbox/calls': {
      const filter = callsFilter(search);
      return 'status' in filter
        ? { ...filter, signature: 'none' }
        : jsonReply(200, { calls: context.calls(filter), discarded: context.callsDiscarded() }, 'none');
    }
    case 'GET /sandbox/requests':
      return jsonReply(
        200,
        { byClass: context.requestCounts, faultsInjected: context.faultsInjected },
        'none',
      );
    case 'POST /sandbox/certificates/sign-with':
      return withJson(SignWithCodec, body, (value) => {
        const switched = context.signWith(value.serial);
        return switched === undefined
          ? errorReply(400, 'PARAM_ERROR', 'serial is not a listed platform certificate', {
              field: '#/properties/serial',
              issue: 'not listed',
              location: 'body',
            })
          : jsonReply(200, switched, 'none');
      });
    case 'GET /sandbox/notifications':
      return jsonReply(200, { faults: dispatcher.faults, deliveries: dispatcher.deliveries() }, 'none');
    case 'POST /sandbox/notifications/faults':
      return withJson(NotificationFaultsCodec, body, (value) => {
        Object.assign(dispatcher.faults, value);
        return jsonReply(200, dispatcher.faults, 'none');
      });
    case 'POST /sandbox/notifications/flush':
      dispatcher.flushHeld();
      return jsonReply(200, { flushed: true }, 'none');
    case 'GET /sandbox/statements':
      return jsonReply(200, statementSettings(engine), 'none');
    case 'POST /sandbox/statements':
      return withJson(StatementSettingsCodec, body, (value) => {
        if (value.header !== undefined) engine.controls.statementHeader = value.header;
        return jsonReply(200, statementSettings(engine), 'none');
      });
    case 'POST /sandbox/refunds/outcome':
      return withJson(RefundOutcomeCodec, body, (value) => {
        if (value.outcome === null) delete engine.controls.nextRefundOutcome;
        else engine.controls.nextRefundOutcome = value.outcome;
        return jsonReply(200, { outcome: value.outcome }, 'none');
      });
    case 'GET /sandbox/refunds/controls':
      return jsonReply(200, refundControlsView(engine), 'none');
    case 'POST /sandbox/refunds/transition':
      return withJson(RefundTransitionCodec, body, (value) => {
        const at = engine.time.now() + (value.after_seconds ?? 0) * 1000;
        const reply = scheduleRefundTransition(
          engine,
          value.sub_mchid,
          value.out_refund_no,
          value.status,
          at,
        );
        return { ...reply, signature: 'none' };
      });
    case 'POST /sandbox/refunds/refusals':
      return withJson(RefundRefusalsCodec, body, (value) => {
        if (value.code === null) delete engine.controls.refundRefusal;
        else {
          engine.controls.refundRefusal = {
            code: value.code,
            ...(value.count !== undefined ? { remaining: value.count } : {}),
            ...(value.seconds !== undefined ? { until: engine.time.now() + value.seconds * 1000 } : {}),
          };
        }
        return jsonReply(200, refundControlsView(engine), 'none');
      });
    case 'POST /sandbox/refunds/delays':
      return withJson(RefundDelaysCodec, body, (value) => {
        Object.assign(engine.settings.refundDelaySeconds, value);
        return jsonReply(200, refundControlsView(engine), 'none');
      });
    default:
      return { ...errorReply(404, 'NOT_FOUND', `no control endpoint ${route}`), signature: 'none' };
  }
};
