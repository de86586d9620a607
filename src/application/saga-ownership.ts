import * as E from 'fp-ts/Either';
import { type Logger, type Metrics, type SagaLeases, partitionOf } from '../ports';

/** How often an instance claims: renews its leases, and takes free or expired ones (takeover). */
export const LEASE_CLAIM_EVERY_MS = 1_000;
/**
 * The longest a saga step may run once started, by default: the slowest WeChat call of the
 * default client (a query: three 5 s attempts and their back-off) plus a margin. A step starts
 * only while the lease has at least this long to run, so it ends before anyone else may take the
 * saga over. The service derives it from its client's actual timeouts.
 */
export const DEFAULT_STEP_BUDGET_MS = 17_000;
/** The TTL a lease gets unless configured: a step's budget, two claim rounds and a margin. */
export const defaultLeaseTtlMs = (stepBudgetMs: number): number =>
  stepBudgetMs + 2 * LEASE_CLAIM_EVERY_MS + 1_000;
/** Margin for timer and event-loop delays between the check and the step's first call. */
const SAFETY_MS = 500;
/** The shortest TTL a step fits in, with a claim round to spare. */
export const minLeaseTtlMs = (stepBudgetMs: number): number =>
  stepBudgetMs + 2 * LEASE_CLAIM_EVERY_MS + SAFETY_MS;

export interface SagaOwnership {
  readonly kind: SagaLeases['kind'];
  readonly owner: string;
  /** The longest a step may take (real ms). */
  readonly stepBudgetMs: number;
  /** Whether this instance may start a step (of at most stepBudgetMs) of the saga keyed by its order's stream. */
  readonly owns: (orderStreamId: string) => boolean;
  /** Runs a saga's step, counted against its partition: a draining partition is given up once none runs. */
  readonly track: <T>(orderStreamId: string, step: () => Promise<T>) => Promise<T>;
  /** Claims once (so the first partitions are known when it resolves), then every second. */
  readonly start: (onTaken: (partitions: ReadonlySet<number>) => void) => Promise<void>;
  /** Stops claiming and acting; `release` then frees the leases for the others at once. */
  readonly stop: () => void;
  readonly release: () => Promise<void>;
  readonly held: () => readonly number[];
}

/** An owner id for an embedder that names none: unique per process run (the service names its instance). */
export const randomInstanceId = (): string => `instance-${globalThis.crypto.randomUUID().slice(0, 13)}`;

/**
 * Axon's claimed segments, on our lease table: every second the instance renews what it holds, up
 * to its fair share (partitions / live instances), and takes free or expired partitions up to it.
 * A partition it stops renewing (its share shrank because an instance joined) expires and moves.
 * Lease time is real time on the monotonic clock, measured from before each claim was sent, so it
 * never outlasts the table's own view; business time (which a sandbox may scale) plays no part.
 */
export const createSagaOwnership = (
  leases: SagaLeases,
  options: {
    readonly owner?: string;
    readonly ttlMs?: number;
    readonly stepBudgetMs?: number;
    readonly logger: Logger;
    readonly metrics: Metrics;
  },
): SagaOwnership => {
  const owner = options.owner ?? randomInstanceId();
  const stepBudgetMs = options.stepBudgetMs ?? DEFAULT_STEP_BUDGET_MS;
  const ttlMs = options.ttlMs ?? defaultLeaseTtlMs(stepBudgetMs);
  const log = options.logger.child({ component: 'saga-ownership', instance: owner });
  if (leases.kind === 'shared' && ttlMs < minLeaseTtlMs(stepBudgetMs))
    throw new Error(
      `saga lease TTL ${ttlMs} ms is too short: a step may take ${stepBudgetMs} ms and must end before the lease does`,
    );
  let held = new Set<number>();
  /** Partitions beyond the fair share: no new step starts on them; given up once none runs, or `at` has passed. */
  const draining = new Map<number, number>();
  /** Steps running, per partition. */
  const running = new Map<number, number>();
  let validUntil = 0;
  let instances = 1;
  let isStopped = false;
  let timer: NodeJS.Timeout | undefined;
  let onTaken: (partitions: ReadonlySet<number>) => void = () => undefined;
  const offset = partitionOf(owner, leases.partitions);
  /** The validity a step needs when it starts. */
  const needMs = stepBudgetMs + SAFETY_MS;

  const isValid = (ms: number): boolean => performance.now() + ms < validUntil;

  const claim = async (): Promise<void> => {
    // A hold too short for a step counts as lapsed: whatever was skipped meanwhile is resumed.
    const wasValid = isValid(needMs);
    const sentAt = performance.now();
    const share = Math.ceil(leases.partitions / Math.max(1, instances));
    const active = [...held].filter((p) => !draining.has(p)).sort((a, b) => a - b);
    // Beyond the share (an instance joined): stop starting steps there at once, and give the
    // partition up once no step runs there (each ends within its budget anyway), so no two overlap.
    for (const p of active.slice(share)) draining.set(p, sentAt + needMs);
    // Still draining: some step runs there. The others are left out of the claim, so released (and
    // kept out of `owns` until the claim's answer says they are gone).
    const stillDraining = [...draining]
      .filter(([p, at]) => at > sentAt && (running.get(p) ?? 0) > 0)
      .map(([p]) => p);
    const kept = active.slice(0, share);
    const others = Array.from(
      { length: leases.partitions },
      (_, i) => (i + offset) % leases.partitions,
    ).filter((p) => !held.has(p));
    const result = await leases.claim({
      owner,
      ttlMs,
      needMs: needMs + 2 * LEASE_CLAIM_EVERY_MS,
      wanted: [...kept, ...stillDraining, ...others],
      limit: share + stillDraining.length,
    })();
    if (isStopped) return;
    if (E.isLeft(result)) {
      log.warn('could not renew saga leases', { reason: result.left.message, held: held.size });
      return;
    }
    const grant = result.right;
    const now = new Set(grant.held);
    const taken = new Set(grant.held.filter((p) => !draining.has(p) && (!wasValid || !held.has(p))));
    const lost = [...held].filter((p) => !now.has(p));
    for (const p of draining.keys()) if (!now.has(p)) draining.delete(p);
    held = now;
    validUntil = sentAt + grant.validForMs;
    instances = grant.instances;
    if (taken.size > 0 || lost.length > 0) {
      log.info('saga partitions changed', {
        held: held.size,
        taken: [...taken],
        lost,
        draining: [...draining.keys()],
        instances,
      });
      options.metrics.sagaPartitionsHeld?.(held.size);
    }
    if (taken.size > 0) onTaken(taken);
  };

  const loop = (): void => {
    timer = setTimeout(() => {
      void claim().finally(() => {
        if (!isStopped) loop();
      });
    }, LEASE_CLAIM_EVERY_MS);
    timer.unref();
  };

  return {
    kind: leases.kind,
    owner,
    stepBudgetMs,
    owns: (orderStreamId) =>
      leases.kind === 'exclusive' ||
      (held.has(partitionOf(orderStreamId, leases.partitions)) &&
        !draining.has(partitionOf(orderStreamId, leases.partitions)) &&
        isValid(needMs)),
    track: async (orderStreamId, step) => {
      const p = partitionOf(orderStreamId, leases.partitions);
      running.set(p, (running.get(p) ?? 0) + 1);
      try {
        return await step();
      } finally {
        const left = (running.get(p) ?? 1) - 1;
        if (left === 0) running.delete(p);
        else running.set(p, left);
      }
    },
    start: async (callback) => {
      onTaken = callback;
      await claim();
      if (leases.kind === 'shared') loop();
    },
    stop: () => {
      isStopped = true;
      if (timer) clearTimeout(timer);
      validUntil = 0;
    },
    release: async () => {
      const released = await leases.release(owner)();
      if (E.isLeft(released)) log.warn('could not release saga leases', { reason: released.left.message });
      held = new Set();
      options.metrics.sagaPartitionsHeld?.(0);
    },
    held: () => [...held].sort((a, b) => a - b),
  };
};
