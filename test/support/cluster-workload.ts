import { DEFAULT_TIMEOUTS_MS } from '../../src/adapters/wechatpay/config';
import {
  concurrentSteps,
  describeCall,
  handBacks,
  returnsAfterDeath,
  ledgerMismatches,
  paidMoreThanOnce,
  sagaTakeover,
  type ConcurrentSteps,
  type HandBack,
  type SagaTakeover,
  type SandboxCall,
  type ServicePayment,
  type ServiceRefund,
} from './cluster-checks';
import {
  type Answer,
  type Cluster,
  type Instance,
  type PartitionChange,
  SUB,
  partitionChanges,
  paymentBody,
} from './cluster';

/**
 * The scale-out scenario on a running cluster: a round-robin driver makes payments of every sandbox
 * scenario, refunds and reversals across the live instances, reads each payment from another
 * instance than the one that took it, kills instances with -9 while it drives, optionally starts a
 * new one, waits until everything settles, and then compares the service with WeChat's records.
 * It returns what it saw; the spec decides what must hold.
 */

export interface ScaleOutPlan {
  /** Lease TTL the instances run with: a takeover is awaited for TTL + 10 s at most. */
  readonly leaseTtlMs: number;
  /** Saga partitions of the log (SAGA_PARTITIONS). */
  readonly partitions: number;
  /** Instances killed with -9, one after the other. */
  readonly kills: number;
  /** Start a new instance (a new id) once the kills are done. */
  readonly restart: boolean;
  /**
   * While the new instance joins (and the partitions move to it), WeChat answers every call this
   * many real ms late, so that steps are under way when their partition changes hands. 0: no delay.
   */
  readonly joinLatencyMs: number;
  /** Driving before the first kill, in real ms. */
  readonly warmupMs: number;
  /** Driving after each takeover (and after the restart) before the next step, in real ms. */
  readonly afterTakeoverMs: number;
  /** A new flow every this many real ms, at most `maxInFlight` at once. */
  readonly flowEveryMs: number;
  readonly maxInFlight: number;
  /** Payments paid through one instance and awaited with `?wait` on another, before the first kill. */
  readonly waitProbes: number;
  /** How long, in real ms, everything may take to settle once the driver stops. */
  readonly settleTimeoutMs: number;
}

export interface WaitProbe {
  readonly paidOn: string;
  readonly waitedOn: string;
  readonly timeoutMs: number;
  readonly waitedMs: number;
  readonly status: string;
}

export interface KillReport {
  readonly victim: string;
  readonly killedAt: number;
  /** Sagas the victim had in flight (its last call for them) when it was chosen. */
  readonly inFlight: number;
  /** From the kill until the live instances held every partition (polling /metrics), if they did. */
  readonly partitionsMs?: number;
  /** The same moment from the instances' own log lines (exact, where /metrics is polled). */
  readonly partitionsLoggedMs?: number;
  /** From the call record, once the run is over. */
  readonly sagas: SagaTakeover;
}

export interface ScaleOutReport {
  readonly instances: readonly string[];
  readonly payments: number;
  readonly refunds: number;
  readonly reversals: number;
  readonly kills: readonly KillReport[];
  readonly restarted?: string;
  readonly unsettled: readonly string[];
  /** WeChat's record of the calls for the first unsettled payments, and their status at the service. */
  readonly unsettledCalls: readonly {
    readonly no: string;
    readonly status: string;
    readonly calls: readonly SandboxCall[];
  }[];
  readonly mismatches: readonly string[];
  readonly crossReads: number;
  readonly crossReadFailures: readonly string[];
  readonly waitProbes: readonly WaitProbe[];
  /** Answers the driver did not expect (5xx, a refused refund of a paid payment, …). */
  readonly unexpected: readonly string[];
  /** Why the call record could not be read, if it could not. */
  readonly callRecordProblem?: string;
  readonly calls: number;
  readonly paidTwice: readonly { readonly order: string; readonly pays: number }[];
  readonly concurrent: readonly ConcurrentSteps[];
  readonly handBacks: readonly HandBack[];
  /** Sagas that went back to an instance only once every instance they had left was dead. */
  readonly returnsAfterDeath: readonly HandBack[];
  readonly replay: { readonly code: number | null; readonly output: string };
  /** Each instance's 'saga partitions changed' lines. */
  readonly partitionChanges: Readonly<Record<string, readonly PartitionChange[]>>;
  /** Each instance's warning and error log lines (the first ones), for a report on what went wrong. */
  readonly warnings: Readonly<Record<string, readonly string[]>>;
  readonly wallMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const FINAL_PAYMENT = new Set(['SUCCEEDED', 'FAILED', 'REVERSED', 'CLOSED']);
const FINAL_REFUND = new Set(['SUCCEEDED', 'CLOSED', 'REJECTED']);
/** A review only a person can close is as settled as the run will see it (and a mismatch). */
const awaitsOperator = (view: Record<string, unknown>): boolean =>
  view['status'] === 'NEEDS_REVIEW' &&
  (view['review'] as { awaits?: unknown } | undefined)?.awaits === 'operator';

interface Made {
  readonly no: string;
  readonly on: Instance;
  readonly status: string;
}

/** Drives the workload; everything it made is kept for the final comparison. */
const createDriver = (cluster: Cluster, tag: string) => {
  const payments = new Map<string, { readonly createdOn: string; readonly scenario: string }>();
  const refunds = new Map<string, { readonly outTradeNo: string; readonly amount: number }>();
  const unexpected: string[] = [];
  const crossReadFailures: string[] = [];
  let crossReads = 0;
  let reversals = 0;
  let seq = 0;
  const run = Date.now().toString(36).slice(-5);

  const authCode = (scenario: string, seconds: number): string =>
    `13${scenario}${String(seconds).padStart(3, '0')}${String(Date.now() % 1e7).padStart(7, '0')}${String(++seq % 10_000).padStart(4, '0')}`;

  const note = (what: string, r: Answer): void => {
    unexpected.push(`${what} on ${r.instance.id}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  };

  /** Reads the payment on another instance than the one that took it: it must be there. */
  const crossRead = async (no: string, creator: string): Promise<void> => {
    const r = await cluster.request('GET', `/v1/payments/${SUB}/${no}`, undefined, { avoid: creator });
    crossReads += 1;
    if (r.status !== 200)
      crossReadFailures.push(`${no} taken by ${creator}, read on ${r.instance.id}: ${r.status}`);
  };

  const pay = async (
    scenario: string,
    seconds: number,
    options: { readonly wait?: number; readonly total?: number; readonly via?: Instance } = {},
  ): Promise<Made | undefined> => {
    const no = `${tag}-${scenario}-${run}-${++seq}`;
    const r = await cluster.request(
      'POST',
      `/v1/payments${options.wait === undefined ? '' : `?wait=${options.wait}`}`,
      paymentBody(no, authCode(scenario, seconds), options.total),
      options.via === undefined ? {} : { via: options.via },
    );
    if (r.status !== 200 && r.status !== 202) {
      note(`pay ${no}`, r);
      return undefined;
    }
    payments.set(no, { createdOn: r.instance.id, scenario });
    await crossRead(no, r.instance.id);
    return { no, on: r.instance, status: String(r.body['status']) };
  };

  /** The payment's final status, awaited with `?wait` on other instances; undefined if not final in time. */
  const settled = async (made: Made, timeoutMs = 30_000): Promise<string | undefined> => {
    if (FINAL_PAYMENT.has(made.status)) return made.status;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const r = await cluster.request('GET', `/v1/payments/${SUB}/${made.no}?wait=10`, undefined, {
        avoid: made.on.id,
      });
      const status = String(r.body['status']);
      if (FINAL_PAYMENT.has(status)) return status;
    }
    return undefined;
  };

  const refund = async (made: Made, amount: number, k: number): Promise<void> => {
    const outRefundNo = `${made.no}-r${k}`;
    const r = await cluster.request(
      'POST',
      `/v1/payments/${SUB}/${made.no}/refunds?wait=5`,
      { out_refund_no: outRefundNo, amount: { refund: amount, currency: 'HKD' } },
      { avoid: made.on.id },
    );
    if (r.status !== 200 && r.status !== 202) note(`refund ${outRefundNo}`, r);
    else refunds.set(outRefundNo, { outTradeNo: made.no, amount });
  };

  const reverse = async (made: Made): Promise<void> => {
    const r = await cluster.request('POST', `/v1/payments/${SUB}/${made.no}/reverse`, undefined, {
      avoid: made.on.id,
    });
    if (r.status === 200 || r.status === 202) {
      reversals += 1;
      return;
    }
    // Too late is not wrong: the payment settled (failed, say) before the cashier cancelled it.
    const now = await cluster.request('GET', `/v1/payments/${SUB}/${made.no}`);
    if (r.status !== 422 || !FINAL_PAYMENT.has(String(now.body['status']))) note(`reverse ${made.no}`, r);
  };

  const then = (made: Made | undefined, next: (m: Made) => Promise<void>): Promise<void> =>
    made === undefined ? Promise.resolve() : next(made);

  /** Every scenario of the sandbox (docs/sandbox.md), with refunds and reversals of some. */
  const flows: readonly (() => Promise<void>)[] = [
    // Paid at once, then refunded in full on another instance.
    async () =>
      then(await pay('00', 0, { wait: 10 }), async (m) => {
        if ((await settled(m)) === 'SUCCEEDED') await refund(m, 1234, 1);
      }),
    async () => void (await pay('01', 8, { wait: 10 })),
    async () => void (await pay('02', 6)),
    // Paid, then two partial refunds, the second after WeChat's 60 s (business) spacing.
    async () =>
      then(await pay('00', 0, { wait: 10 }), async (m) => {
        if ((await settled(m)) !== 'SUCCEEDED') return;
        await refund(m, 300, 1);
        await sleep(3_000);
        await refund(m, 200, 2);
      }),
    async () => void (await pay('03', 0)),
    async () => void (await pay('10', 0, { wait: 10 })),
    async () => void (await pay('20', 3, { wait: 10 })),
    // Paid, then reversed by the merchant (WeChat refunds it).
    async () =>
      then(await pay('00', 0, { wait: 10 }), async (m) => {
        if ((await settled(m)) === 'SUCCEEDED') await reverse(m);
      }),
    async () => void (await pay('21', 0)),
    async () => void (await pay('04', 20)),
    async () => void (await pay('40', 0, { wait: 10 })),
    // The customer is still paying when the merchant cancels (after WeChat's 15 s business floor).
    async () =>
      then(await pay('01', 40), async (m) => {
        await sleep((20_000 / cluster.scale) | 0);
        await reverse(m);
      }),
    async () => void (await pay('41', 0)),
    async () => void (await pay('11', 0, { wait: 10 })),
    async () => void (await pay('50', 0)),
    async () => void (await pay('42', 0, { wait: 10 })),
    async () => void (await pay('51', 0)),
    async () => void (await pay('12', 0)),
    async () => void (await pay('52', 0, { wait: 10 })),
    // Above the password-free limit: the customer types a password first.
    async () => void (await pay('00', 0, { wait: 10, total: 150_000 })),
    // WeChat never answers the pay call; the client gives up and queries.
    async () => void (await pay('30', 0)),
  ];

  return {
    payments,
    refunds,
    unexpected,
    crossReadFailures,
    crossReads: () => crossReads,
    reversals: () => reversals,
    flows,
    pay,
  };
};

const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const runScaleOut = async (
  cluster: Cluster,
  tag: string,
  plan: ScaleOutPlan,
): Promise<ScaleOutReport> => {
  const started = Date.now();
  const driver = createDriver(cluster, tag);
  const instances = cluster.instances().map((i) => i.id);

  // The load: a new flow every flowEveryMs, round robin over the scenarios, until told to stop.
  const inFlight = new Set<Promise<void>>();
  let launching = true;
  const launcher = (async () => {
    for (let i = 0; launching; i += 1) {
      if (inFlight.size < plan.maxInFlight) {
        const flow = driver.flows[i % driver.flows.length] as () => Promise<void>;
        const running: Promise<void> = flow()
          .catch((e: unknown) => void driver.unexpected.push(`flow ${i}: ${describeError(e)}`))
          .finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
      await sleep(plan.flowEveryMs);
    }
  })();

  // ?wait on another instance than the one that took the payment: answered when it settles.
  await sleep(Math.min(2_000, plan.warmupMs));
  const probeTimeoutS = 20;
  const waitProbes = await Promise.all(
    Array.from({ length: plan.waitProbes }, async (): Promise<WaitProbe | undefined> => {
      const made = await driver.pay('01', 20);
      if (made === undefined) return undefined;
      const t0 = performance.now();
      const r = await cluster.request(
        'GET',
        `/v1/payments/${SUB}/${made.no}?wait=${probeTimeoutS}`,
        undefined,
        {
          avoid: made.on.id,
        },
      );
      return {
        paidOn: made.on.id,
        waitedOn: r.instance.id,
        timeoutMs: probeTimeoutS * 1000,
        waitedMs: performance.now() - t0,
        status: String(r.body['status']),
      };
    }),
  );
  await sleep(Math.max(0, plan.warmupMs - (Date.now() - started)));

  let callRecordProblem: string | undefined;
  const calls = async (): Promise<readonly SandboxCall[]> => {
    try {
      return await cluster.sandbox.calls();
    } catch (e) {
      callRecordProblem = describeError(e);
      return [];
    }
  };

  /**
   * Payments still paying (WeChat holds USERPAYING) per live instance that made the last call for
   * them: the instance with the most is the one whose death strands the most sagas.
   */
  const chooseVictim = async (): Promise<{ victim: Instance; inFlight: number }> => {
    // Sagas in flight for certain: customers who take 40 s (business) to pay.
    await Promise.all(cluster.live().map(() => driver.pay('01', 40)));
    await sleep((10_000 / cluster.scale) | 0); // past the first poll (5 s business)
    const [record, orders] = await Promise.all([calls(), cluster.sandbox.orders()]);
    const paying = new Set(orders.filter((o) => o.tradeState === 'USERPAYING').map((o) => o.outTradeNo));
    const last = new Map<string, string>();
    for (const call of record)
      if (call.outTradeNo !== undefined && call.outRefundNo === undefined && paying.has(call.outTradeNo))
        if (typeof call.instance === 'string') last.set(call.outTradeNo, call.instance);
    const live = cluster.live();
    const counts = live.map((i) => [...last.values()].filter((id) => id === i.id).length);
    const most = Math.max(...counts);
    const index = counts.indexOf(most);
    return { victim: live[index >= 0 ? index : 0] as Instance, inFlight: Math.max(0, most) };
  };

  const kills: Omit<KillReport, 'sagas'>[] = [];
  for (let k = 0; k < plan.kills; k += 1) {
    const { victim, inFlight: victimInFlight } = await chooseVictim();
    const killedAt = await cluster.kill(victim);
    const survivors = cluster.live();
    const held = await cluster.whenLiveHold(plan.partitions, killedAt + plan.leaseTtlMs + 10_000);
    const logged = cluster.heldFromLogs(survivors, plan.partitions, killedAt);
    kills.push({
      victim: victim.id,
      killedAt,
      inFlight: victimInFlight,
      ...(held === undefined ? {} : { partitionsMs: held - killedAt }),
      ...(logged === undefined ? {} : { partitionsLoggedMs: logged - killedAt }),
    });
    await sleep(plan.afterTakeoverMs);
  }
  let restarted: string | undefined;
  if (plan.restart) {
    restarted = `${tag}-${cluster.instances().length + 1}`;
    if (plan.joinLatencyMs > 0) await cluster.sandbox.faults({ latencyMs: plan.joinLatencyMs });
    // Sagas certainly under way when their partitions move: customers who take 40 s (business) to
    // pay, each step slowed by the late answers.
    const underWay = Promise.all(Array.from({ length: 8 }, () => driver.pay('01', 40)));
    const joined = await cluster.startInstance(restarted);
    await underWay;
    // Slow answers until the partitions have moved to the newcomer, and a little longer.
    const until = Date.now() + plan.leaseTtlMs + 10_000;
    while (Date.now() < until && !((await cluster.partitionsHeld(joined).catch(() => 0)) ?? 0))
      await sleep(100);
    await sleep(plan.joinLatencyMs + 500);
    if (plan.joinLatencyMs > 0) await cluster.sandbox.faults({ latencyMs: 0 });
    await sleep(plan.afterTakeoverMs);
  }

  launching = false;
  await launcher;
  await Promise.all([...inFlight]);

  // Settle: every payment and refund final, read on another instance than the one that took it.
  const paymentViews = new Map<string, ServicePayment | undefined>();
  const refundViews = new Map<string, ServiceRefund | undefined>();
  const until = Date.now() + plan.settleTimeoutMs;
  let pending = [...driver.payments.keys()];
  for (;;) {
    const still: string[] = [];
    for (let i = 0; i < pending.length; i += 8) {
      await Promise.all(
        pending.slice(i, i + 8).map(async (no) => {
          const r = await cluster.request('GET', `/v1/payments/${SUB}/${no}`, undefined, {
            avoid: driver.payments.get(no)?.createdOn,
          });
          const view = r.status === 200 ? (r.body as unknown as ServicePayment) : undefined;
          paymentViews.set(no, view);
          const isFinal =
            view !== undefined &&
            (FINAL_PAYMENT.has(view.status) || awaitsOperator(r.body)) &&
            view.refunds.every(
              (f) => FINAL_REFUND.has(f.status) || awaitsOperator(f as unknown as Record<string, unknown>),
            );
          if (!isFinal && r.status !== 404) still.push(no);
        }),
      );
    }
    pending = still;
    if (pending.length === 0 || Date.now() > until) break;
    await sleep(500);
  }
  for (const [no] of driver.refunds) {
    const r = await cluster.request('GET', `/v1/refunds/${SUB}/${no}`);
    refundViews.set(no, r.status === 200 ? (r.body as unknown as ServiceRefund) : undefined);
  }

  const [orders, sandboxRefunds, record] = await Promise.all([
    cluster.sandbox.orders(),
    cluster.sandbox.refunds(),
    calls(),
  ]);
  const mismatches = ledgerMismatches({
    payments: paymentViews,
    refunds: refundViews,
    orders,
    sandboxRefunds,
  });

  const deaths = new Map(kills.map((k) => [k.victim, k.killedAt]));
  for (const instance of cluster.live()) await cluster.stopInstance(instance);
  const replay = await cluster.replayVerify();

  return {
    instances: [...instances, ...(restarted === undefined ? [] : [restarted])],
    payments: driver.payments.size,
    refunds: driver.refunds.size,
    reversals: driver.reversals(),
    kills: kills.map((k) => ({ ...k, sagas: sagaTakeover(record, k.victim, k.killedAt) })),
    ...(restarted === undefined ? {} : { restarted }),
    unsettled: pending,
    unsettledCalls: pending.slice(0, 5).map((no) => ({
      no,
      status: paymentViews.get(no)?.status ?? 'unknown',
      calls: record.filter((c) => c.outTradeNo === no),
    })),
    mismatches,
    crossReads: driver.crossReads(),
    crossReadFailures: driver.crossReadFailures,
    waitProbes: waitProbes.filter((p): p is WaitProbe => p !== undefined),
    unexpected: driver.unexpected,
    ...(callRecordProblem === undefined ? {} : { callRecordProblem }),
    calls: record.length,
    paidTwice: paidMoreThanOnce(record),
    concurrent: concurrentSteps(record, deaths, { ...DEFAULT_TIMEOUTS_MS }),
    handBacks: handBacks(record, deaths),
    returnsAfterDeath: returnsAfterDeath(record, deaths),
    replay,
    partitionChanges: Object.fromEntries(cluster.instances().map((i) => [i.id, partitionChanges(i)])),
    warnings: Object.fromEntries(
      cluster.instances().map((i) => [
        i.id,
        i.proc
          .output()
          .split('\n')
          .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
          .slice(0, 40),
      ]),
    ),
    wallMs: Date.now() - started,
  };
};

const seconds = (ms: number | undefined): string =>
  ms === undefined ? 'none' : `${(ms / 1000).toFixed(1)} s`;

/** One line the team can quote, then the details of anything that went wrong. */
export const summarise = (label: string, r: ScaleOutReport): string => {
  const kills = r.kills
    .map(
      (k, i) =>
        `kill ${i + 1} (${k.victim}): all partitions held after ${seconds(k.partitionsLoggedMs)} ` +
        `(logs; /metrics polled: ${seconds(k.partitionsMs)}), ` +
        `first stranded saga driven after ${seconds(k.sagas.firstMs)} ` +
        `(last ${seconds(k.sagas.lastMs)}, ${k.sagas.sagas} saga(s))`,
    )
    .join('; ');
  const probes = r.waitProbes.map((p) => `${(p.waitedMs / 1000).toFixed(1)} s ${p.status}`).join(', ');
  const lines = [
    `${label}: payments ${r.payments}, refunds ${r.refunds}, reversals ${r.reversals}, ` +
      `kills ${r.kills.length}${r.restarted === undefined ? '' : ', restarts 1'}, mismatches ${r.mismatches.length}, ` +
      `paid twice ${r.paidTwice.length}, concurrent steps ${r.concurrent.length}, hand-backs ${r.handBacks.length} ` +
      `(returns after the owner's death ${r.returnsAfterDeath.length}), ` +
      `cross-instance reads ${r.crossReads} (failed ${r.crossReadFailures.length}); ${kills}; ` +
      `cross-instance ?wait (timeout ${r.waitProbes[0] === undefined ? '?' : r.waitProbes[0].timeoutMs / 1000} s) answered in ${probes || 'none'}; ` +
      `${r.calls} WeChat calls; replay --verify exit ${String(r.replay.code)}; ${(r.wallMs / 1000).toFixed(0)} s`,
  ];
  const some = <A>(title: string, items: readonly A[], show: (a: A) => string): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`, ...items.slice(0, 12).map((a) => `  ${show(a)}`));
    if (items.length > 12) lines.push(`  … ${items.length - 12} more`);
  };
  if (r.callRecordProblem !== undefined) lines.push(`call record: ${r.callRecordProblem}`);
  some('mismatches', r.mismatches, (m) => m);
  some('unsettled', r.unsettled, (m) => m);
  some('calls for the first unsettled payments', r.unsettledCalls, (u) =>
    [`${u.no} (${u.status} at the service):`, ...u.calls.map((c) => `  ${describeCall(c)}`)].join('\n    '),
  );
  some('paid twice', r.paidTwice, (p) => `${p.order}: ${p.pays} pay calls`);
  some(
    'concurrent steps',
    r.concurrent,
    (c) => `${c.saga}: ${describeCall(c.first)} / ${describeCall(c.second)}`,
  );
  some(
    'hand-backs',
    r.handBacks,
    (h) => `${h.saga}: ${h.turns.join(' → ')}\n    ${h.calls.map(describeCall).join('\n    ')}`,
  );
  some('cross-instance read failures', r.crossReadFailures, (m) => m);
  some('unexpected answers', r.unexpected, (m) => m);
  for (const k of r.kills)
    if (k.sagas.first !== undefined)
      lines.push(
        `kill of ${k.victim}: first pickup ${k.sagas.first.saga} ${describeCall(k.sagas.first.call)}`,
      );
  if (r.replay.code !== 0) lines.push(`replay --verify:\n${r.replay.output.slice(-2_000)}`);
  const troubled =
    r.mismatches.length +
      r.unsettled.length +
      r.concurrent.length +
      r.handBacks.length +
      r.unexpected.length >
    0;
  if (r.concurrent.length + r.handBacks.length > 0)
    for (const [id, changes] of Object.entries(r.partitionChanges))
      some(
        `partitions of ${id}`,
        changes,
        (c) =>
          `${new Date(c.at).toISOString()} holds ${c.held}, took ${c.taken.length}, gave up [${c.lost.join(',')}]`,
      );
  if (troubled)
    for (const [id, warnings] of Object.entries(r.warnings))
      some(`warnings logged by ${id}`, warnings, (w) => w.slice(0, 400));
  return lines.join('\n');
};
