import * as t from 'io-ts';

/**
 * Every merchant API call the sandbox receives, with the instance that sent it: WeChat's own view
 * of who called what and when, so a test can prove that no saga step ran on two instances at once
 * (deterministic event ids make a duplicate call invisible in the event log). In memory only, and
 * bounded: the newest `CALL_LOG_CAPACITY` calls are kept, older ones are discarded.
 */

/** The endpoints, named as the client names its operations. */
export const OperationCodec = t.keyof({
  pay: null,
  queryOrder: null,
  reverse: null,
  closeOrder: null,
  refund: null,
  queryRefund: null,
  queryAllRefunds: null,
  downloadStatement: null,
  querySettlements: null,
  platformCertificates: null,
});
export type Operation = t.TypeOf<typeof OperationCodec>;

/** The ids a call concerns: as the request names them, or found from the WeChat id it names. */
export interface CallIds {
  readonly subMchid?: string;
  readonly outTradeNo?: string;
  readonly outRefundNo?: string;
}

/**
 * A fault injected into the call: by the network faults (`error`, `drop`, `unverifiable`,
 * `latency`), by the reverse faults (`reverse-error`, `reverse-hang`), by a refund refusal
 * (`refund-refusal`), or a pay scenario whose answer never comes (`hang`).
 */
export type CallFault =
  | 'error'
  | 'drop'
  | 'unverifiable'
  | 'latency'
  | 'reverse-error'
  | 'reverse-hang'
  | 'refund-refusal'
  | 'hang';

export interface SandboxCall extends CallIds {
  /** 1, 2, 3 … in the order the calls were recorded (answered, dropped or held). */
  readonly seq: number;
  readonly operation: Operation;
  /** From the User-Agent's `instance <id>` part; null when it has none. */
  readonly instance: string | null;
  /** Real time (ms) the request arrived. */
  readonly receivedAt: number;
  /** Real time (ms) the answer was sent; null when none was (a dropped or held call). */
  readonly answeredAt: number | null;
  /** Sandbox business time (ISO 8601) when the call was handled. */
  readonly businessAt: string;
  /** HTTP status answered; null when no answer was sent. */
  readonly status: number | null;
  readonly fault?: CallFault;
}

export interface CallFilter {
  readonly operation?: Operation;
  readonly outTradeNo?: string;
  readonly outRefundNo?: string;
  readonly instance?: string;
  /** Only calls with a greater seq (the last seq already seen). */
  readonly since?: number;
}

/** What the server hands over per call; seq and the ISO time are the log's. */
export interface CallEntry extends CallIds {
  readonly operation: Operation;
  readonly instance: string | null;
  readonly receivedAt: number;
  readonly answeredAt: number | null;
  /** Business time, ms. */
  readonly businessAt: number;
  readonly status: number | null;
  readonly fault?: CallFault;
}

export const CALL_LOG_CAPACITY = 200_000;

export interface CallLog {
  readonly append: (entry: CallEntry) => void;
  /** Matching calls in seq order. */
  readonly list: (filter?: CallFilter) => readonly SandboxCall[];
  /** Calls recorded and since discarded to stay within the capacity. */
  readonly discarded: () => number;
}

const toCall = (seq: number, entry: CallEntry): SandboxCall => {
  const { businessAt, fault, subMchid, outTradeNo, outRefundNo, ...rest } = entry;
  return {
    seq,
    operation: rest.operation,
    instance: rest.instance,
    ...(subMchid === undefined ? {} : { subMchid }),
    ...(outTradeNo === undefined ? {} : { outTradeNo }),
    ...(outRefundNo === undefined ? {} : { outRefundNo }),
    receivedAt: rest.receivedAt,
    answeredAt: rest.answeredAt,
    businessAt: new Date(businessAt).toISOString(),
    status: rest.status,
    ...(fault === undefined ? {} : { fault }),
  };
};

/** A ring of the newest `capacity` calls: appending is O(1) and never grows memory past it. */
export const createCallLog = (capacity: number = CALL_LOG_CAPACITY): CallLog => {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error('call log capacity must be ≥ 1');
  const ring: (CallEntry | undefined)[] = [];
  let recorded = 0;
  const matches = (entry: CallEntry, filter: CallFilter): boolean =>
    (filter.operation === undefined || entry.operation === filter.operation) &&
    (filter.outTradeNo === undefined || entry.outTradeNo === filter.outTradeNo) &&
    (filter.outRefundNo === undefined || entry.outRefundNo === filter.outRefundNo) &&
    (filter.instance === undefined || entry.instance === filter.instance);
  return {
    append: (entry) => {
      ring[recorded % capacity] = entry;
      recorded += 1;
    },
    list: (filter = {}) => {
      const oldest = Math.max(1, recorded - capacity + 1);
      const calls: SandboxCall[] = [];
      for (let seq = Math.max(oldest, (filter.since ?? 0) + 1); seq <= recorded; seq += 1) {
        const entry = ring[(seq - 1) % capacity];
        if (entry !== undefined && matches(entry, filter)) calls.push(toCall(seq, entry));
      }
      return calls;
    },
    discarded: () => Math.max(0, recorded - capacity),
  };
};

const INSTANCE = /[(;]\s*instance ([A-Za-z0-9._-]{1,64})\s*[;)]/;
const known = new Map<string, string | null>();

/**
 * The instance a User-Agent names: `… (…; instance <id>)` or `… (instance <id>)`. Remembered per
 * User-Agent (a client sends the same one every time), so each id is one string however many calls.
 */
export const instanceOf = (userAgent: string | undefined): string | null => {
  if (userAgent === undefined) return null;
  const seen = known.get(userAgent);
  if (seen !== undefined) return seen;
  const match = INSTANCE.exec(userAgent);
  // A copy, not a slice: the id must not keep the whole header alive.
  const instance = match?.[1] === undefined ? null : Buffer.from(match[1]).toString();
  if (known.size >= 1024) known.clear();
  known.set(userAgent, instance);
  return instance;
};
