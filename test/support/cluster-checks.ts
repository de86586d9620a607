/**
 * What a run of several service instances on one log must show, checked from the outside: the
 * sandbox's record of every call it received (who sent it, when it arrived, when it was answered)
 * and its ledger (what WeChat holds for every order and refund). Pure functions over those records,
 * so each rule is tested on its own (test/unit/support/cluster-checks.spec.ts).
 */

/** One API call as the sandbox recorded it (`GET /sandbox/calls`); times are real ms. */
export interface SandboxCall {
  readonly seq: number;
  /** The client's name of the endpoint: `pay`, `queryOrder`, `reverse`, `refund`, `queryRefund`, … */
  readonly operation: string;
  /** The `instance <id>` of the caller's User-Agent; null (or absent) when it carried none. */
  readonly instance?: string | null;
  readonly subMchid?: string;
  readonly outTradeNo?: string;
  readonly outRefundNo?: string;
  readonly receivedAt: number;
  /** Null when no answer was sent (a dropped or held call). */
  readonly answeredAt?: number | null;
  readonly businessAt?: string | number;
  readonly status?: number | null;
  readonly fault?: string;
}

/** What the sandbox holds for an order (`GET /sandbox/orders`). */
export interface SandboxOrder {
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly transactionId: string;
  readonly tradeState: string;
  readonly total: number;
  readonly currency: string;
}

/** What the sandbox holds for a refund (`GET /sandbox/refunds`). */
export interface SandboxRefund {
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly outRefundNo: string;
  readonly refundId: string;
  readonly status: string;
  readonly refund: number;
  readonly currency: string;
}

/** The operation name the sandbox gives a Quick Pay submission. */
export const PAY_OPERATION = 'pay';

/**
 * Which saga a call is a step of: a refund's (by out_refund_no) or an order's (by out_trade_no).
 * Calls that name neither (certificates, statements, settlements) belong to no saga.
 */
export const sagaOf = (call: SandboxCall): string | undefined => {
  const sub = call.subMchid ?? '?';
  if (call.outRefundNo !== undefined) return `refund ${sub}/${call.outRefundNo}`;
  if (call.outTradeNo !== undefined) return `order ${sub}/${call.outTradeNo}`;
  return undefined;
};

const inArrivalOrder = (a: SandboxCall, b: SandboxCall): number =>
  a.receivedAt - b.receivedAt || a.seq - b.seq;

/** Each saga's calls by instance-bearing callers, in the order they arrived. */
export const callsBySaga = (calls: readonly SandboxCall[]): ReadonlyMap<string, readonly SandboxCall[]> => {
  const sagas = new Map<string, SandboxCall[]>();
  for (const call of calls) {
    const saga = sagaOf(call);
    if (saga === undefined || call.instance === undefined || call.instance === null) continue;
    sagas.set(saga, [...(sagas.get(saga) ?? []), call]);
  }
  for (const list of sagas.values()) list.sort(inArrivalOrder);
  return sagas;
};

export const describeCall = (call: SandboxCall): string =>
  `#${call.seq} ${call.operation} by ${call.instance ?? '?'} ` +
  `[${new Date(call.receivedAt).toISOString()} .. ${
    call.answeredAt === undefined || call.answeredAt === null
      ? 'unanswered'
      : `+${call.answeredAt - call.receivedAt} ms`
  }] ${String(call.status ?? 'no answer')}${call.fault === undefined ? '' : ` ${call.fault}`}`;

export interface ConcurrentSteps {
  readonly saga: string;
  readonly first: SandboxCall;
  readonly second: SandboxCall;
}

/**
 * How long a request may take to reach the sandbox after its client started the call: its arrival
 * shows when the sandbox got it, not when the client's deadline started counting.
 */
export const TRANSIT_ALLOWANCE_MS = 100;

/**
 * When a call stopped occupying its caller. An answered call ends when answered. One never answered
 * (held back, or dropped) ends when its caller gave up: at the latest at the client's deadline for
 * that operation (`deadlines`; counted from its arrival less the transit allowance, since the client
 * started it a little before it arrived), at its caller's next call for the same saga (a saga's
 * steps follow each other within an instance), or at its caller's death; failing all three, never.
 */
const endOf = (
  call: SandboxCall,
  saga: readonly SandboxCall[],
  deaths: ReadonlyMap<string, number>,
  deadlines: Readonly<Record<string, number>>,
): number => {
  if (call.answeredAt !== undefined && call.answeredAt !== null) return call.answeredAt;
  const next = saga.find((c) => c.instance === call.instance && inArrivalOrder(c, call) > 0);
  const death = call.instance === undefined || call.instance === null ? undefined : deaths.get(call.instance);
  const deadline = deadlines[call.operation];
  return Math.min(
    next?.receivedAt ?? Number.POSITIVE_INFINITY,
    death ?? Number.POSITIVE_INFINITY,
    deadline === undefined ? Number.POSITIVE_INFINITY : call.receivedAt - TRANSIT_ALLOWANCE_MS + deadline,
  );
};

/**
 * Pairs of calls of one saga from two different instances whose [receivedAt, answeredAt] intervals
 * overlap: two instances driving the same saga at once. Intervals that only touch are disjoint.
 * `deaths`: when each killed instance died (real ms); `deadlines`: the client's deadline per
 * operation (ms). Both bound the calls that were never answered.
 */
export const concurrentSteps = (
  calls: readonly SandboxCall[],
  deaths: ReadonlyMap<string, number> = new Map(),
  deadlines: Readonly<Record<string, number>> = {},
): readonly ConcurrentSteps[] => {
  const found: ConcurrentSteps[] = [];
  for (const [saga, list] of callsBySaga(calls)) {
    for (let i = 0; i < list.length; i += 1) {
      const a = list[i];
      if (a === undefined) continue;
      for (let j = i + 1; j < list.length; j += 1) {
        const b = list[j];
        if (b === undefined || b.instance === a.instance) continue;
        if (
          b.receivedAt < endOf(a, list, deaths, deadlines) &&
          a.receivedAt < endOf(b, list, deaths, deadlines)
        )
          found.push({ saga, first: a, second: b });
      }
    }
  }
  return found;
};

export interface HandBack {
  readonly saga: string;
  /** The callers in turn, each run of one instance's calls counted once: A, B, A. */
  readonly turns: readonly string[];
  /** The saga's calls, in the order they arrived. */
  readonly calls: readonly SandboxCall[];
  /**
   * Every instance it left had died before it came back: the instance that sent the pay (it held
   * the auth code) taking the saga over when its owner died. No two instances were alive to drive it.
   */
  readonly afterDeath: boolean;
}

const returnsOf = (
  calls: readonly SandboxCall[],
  deaths: ReadonlyMap<string, number>,
): readonly HandBack[] => {
  const found: HandBack[] = [];
  for (const [saga, list] of callsBySaga(calls)) {
    const turns: { instance: string; from: number }[] = [];
    for (const call of list)
      if (turns[turns.length - 1]?.instance !== call.instance)
        turns.push({ instance: call.instance ?? '?', from: call.receivedAt });
    let isReturn = false;
    let afterDeath = true;
    turns.forEach((turn, j) => {
      const i = turns.findIndex((t) => t.instance === turn.instance);
      if (i >= j) return;
      isReturn = true;
      const left = turns.slice(i + 1, j);
      if (!left.every((t) => (deaths.get(t.instance) ?? Number.POSITIVE_INFINITY) <= turn.from))
        afterDeath = false;
    });
    if (isReturn) found.push({ saga, turns: turns.map((t) => t.instance), calls: list, afterDeath });
  }
  return found;
};

/**
 * Sagas whose calls went back to an instance after another one had called, while that other one
 * lived: a saga may move from A to B (a takeover, a rebalance), never back and forth (A…A B…B,
 * never A B A). `deaths`: when each killed instance died (real ms); a return to A once every
 * instance in between is dead is listed by `returnsAfterDeath` instead.
 */
export const handBacks = (
  calls: readonly SandboxCall[],
  deaths: ReadonlyMap<string, number> = new Map(),
): readonly HandBack[] => returnsOf(calls, deaths).filter((r) => !r.afterDeath);

/** Sagas that went back to an instance only after every instance it had left had died. */
export const returnsAfterDeath = (
  calls: readonly SandboxCall[],
  deaths: ReadonlyMap<string, number>,
): readonly HandBack[] => returnsOf(calls, deaths).filter((r) => r.afterDeath);

/** Orders submitted to WeChat more than once (`pay` calls per out_trade_no), with their counts. */
export const paidMoreThanOnce = (
  calls: readonly SandboxCall[],
): readonly { readonly order: string; readonly pays: number }[] => {
  const pays = new Map<string, number>();
  for (const call of calls) {
    if (call.operation !== PAY_OPERATION || call.outTradeNo === undefined) continue;
    const order = `${call.subMchid ?? '?'}/${call.outTradeNo}`;
    pays.set(order, (pays.get(order) ?? 0) + 1);
  }
  return [...pays].filter(([, n]) => n > 1).map(([order, n]) => ({ order, pays: n }));
};

export interface SagaTakeover {
  /** Sagas the killed instance was driving when it died, later driven by another instance. */
  readonly sagas: number;
  /** From the kill to the first call a survivor made for one of them (ms). */
  readonly firstMs?: number;
  /** From the kill to the last of them being picked up (each saga's first survivor call) (ms). */
  readonly lastMs?: number;
  /** The first survivor call, for the report. */
  readonly first?: { readonly saga: string; readonly call: SandboxCall };
}

/**
 * How long sagas the killed instance was driving stayed undriven. A saga counts as the victim's when
 * the victim's last call for it before the kill followed up on the order or refund (anything but its
 * first submission, which the instance taking the request may make whoever drives the saga after) and
 * no other instance had called for it since: it was polling or reversing it. The takeover of that
 * saga is the first call for it by any other instance after the kill.
 */
export const sagaTakeover = (
  calls: readonly SandboxCall[],
  victim: string,
  killedAt: number,
  isSubmission: (call: SandboxCall) => boolean = (call) => call.operation === PAY_OPERATION,
): SagaTakeover => {
  const pickups: { saga: string; call: SandboxCall }[] = [];
  let sagas = 0;
  for (const [saga, list] of callsBySaga(calls)) {
    const before = list.filter((c) => c.receivedAt < killedAt);
    const last = before[before.length - 1];
    if (last === undefined || last.instance !== victim) continue;
    if (!before.some((c) => c.instance === victim && !isSubmission(c))) continue;
    const pickup = list.find((c) => c.receivedAt >= killedAt && c.instance !== victim);
    if (pickup === undefined) continue;
    sagas += 1;
    pickups.push({ saga, call: pickup });
  }
  if (pickups.length === 0) return { sagas };
  pickups.sort((a, b) => inArrivalOrder(a.call, b.call));
  const first = pickups[0];
  const last = pickups[pickups.length - 1];
  return {
    sagas,
    ...(first === undefined ? {} : { firstMs: first.call.receivedAt - killedAt, first }),
    ...(last === undefined ? {} : { lastMs: last.call.receivedAt - killedAt }),
  };
};

/** A payment as the service's API shows it (the fields compared). */
export interface ServicePayment {
  readonly status: string;
  readonly amount: { readonly total: number; readonly currency: string };
  readonly refunded_total: number;
  readonly transaction_id?: string;
  readonly refunds: readonly ServiceRefund[];
}

export interface ServiceRefund {
  readonly out_trade_no: string;
  readonly out_refund_no: string;
  readonly status: string;
  readonly amount: { readonly refund: number; readonly currency: string };
}

/** The sandbox's trade states each final payment status may stand for. */
const PAYMENT_TRUTH: Readonly<Record<string, readonly (string | undefined)[]>> = {
  SUCCEEDED: ['SUCCESS', 'REFUND'],
  // A refused pay leaves PAYERROR, or no order at all when the request never created one.
  FAILED: ['PAYERROR', undefined],
  REVERSED: ['REVOKED'],
  CLOSED: ['CLOSED'],
};

const REFUND_TRUTH: Readonly<Record<string, readonly (string | undefined)[]>> = {
  SUCCEEDED: ['SUCCESS'],
  CLOSED: ['REFUNDCLOSE'],
  // Refused outright: WeChat never created it.
  REJECTED: [undefined],
};

export interface LedgerInput {
  /** Every payment the driver made, by out_trade_no: the service's view, or undefined if it has none. */
  readonly payments: ReadonlyMap<string, ServicePayment | undefined>;
  /** Every refund the driver asked for, by out_refund_no: the service's view, or undefined. */
  readonly refunds: ReadonlyMap<string, ServiceRefund | undefined>;
  readonly orders: readonly SandboxOrder[];
  readonly sandboxRefunds: readonly SandboxRefund[];
}

/**
 * Every difference between what the service settled and what WeChat (the sandbox) holds: one line per
 * payment or refund that disagrees, is not settled, or exists on one side only. Empty when they agree.
 */
export const ledgerMismatches = (input: LedgerInput): readonly string[] => {
  const mismatches: string[] = [];
  const orders = new Map(input.orders.map((o) => [o.outTradeNo, o]));
  const refunds = new Map(input.sandboxRefunds.map((r) => [r.outRefundNo, r]));
  for (const [no, view] of input.payments) {
    const order = orders.get(no);
    const truth = order?.tradeState;
    if (view === undefined) {
      mismatches.push(`payment ${no}: unknown to the service, WeChat holds ${truth ?? 'nothing'}`);
      continue;
    }
    const allowed = PAYMENT_TRUTH[view.status];
    if (allowed === undefined) {
      mismatches.push(`payment ${no}: not settled (${view.status}), WeChat holds ${truth ?? 'nothing'}`);
      continue;
    }
    if (!allowed.includes(truth)) {
      mismatches.push(`payment ${no}: ${view.status} in the service, WeChat holds ${truth ?? 'nothing'}`);
      continue;
    }
    if (order !== undefined && (order.total !== view.amount.total || order.currency !== view.amount.currency))
      mismatches.push(
        `payment ${no}: ${view.amount.total} ${view.amount.currency} in the service, ` +
          `${order.total} ${order.currency} at WeChat`,
      );
    const refunded = input.sandboxRefunds
      .filter((r) => r.outTradeNo === no && r.status === 'SUCCESS')
      .reduce((sum, r) => sum + r.refund, 0);
    if (view.refunded_total !== refunded)
      mismatches.push(`payment ${no}: refunded ${view.refunded_total} in the service, ${refunded} at WeChat`);
  }
  for (const order of input.orders)
    if (!input.payments.has(order.outTradeNo))
      mismatches.push(
        `order ${order.outTradeNo}: held by WeChat (${order.tradeState}), never made by the driver`,
      );

  for (const [no, view] of input.refunds) {
    const refund = refunds.get(no);
    const truth = refund?.status;
    if (view === undefined) {
      mismatches.push(`refund ${no}: unknown to the service, WeChat holds ${truth ?? 'nothing'}`);
      continue;
    }
    const allowed = REFUND_TRUTH[view.status];
    if (allowed === undefined) {
      mismatches.push(`refund ${no}: not settled (${view.status}), WeChat holds ${truth ?? 'nothing'}`);
      continue;
    }
    if (!allowed.includes(truth)) {
      mismatches.push(`refund ${no}: ${view.status} in the service, WeChat holds ${truth ?? 'nothing'}`);
      continue;
    }
    if (refund !== undefined && refund.refund !== view.amount.refund)
      mismatches.push(`refund ${no}: ${view.amount.refund} in the service, ${refund.refund} at WeChat`);
  }
  for (const refund of input.sandboxRefunds)
    if (!input.refunds.has(refund.outRefundNo))
      mismatches.push(`refund ${refund.outRefundNo}: held by WeChat (${refund.status}), never asked for`);
  return mismatches;
};
