import type { Order, Refund, SpMchid } from '../domain';
import type {
  Clock,
  EventStore,
  Logger,
  Metrics,
  NotificationVerifier,
  ReadModelStore,
  SagaLeases,
  TimerHandle,
  Timers,
  WeChatPayGateway,
} from '../ports';

/** Settings the use cases need; decoded and checked at start by the composition root. */
export interface CoreConfig {
  readonly spMchid: SpMchid;
  readonly payPolicy: Order.PayPolicy;
  readonly refundPolicy: Refund.RefundPolicy;
  /** Required by the pay API (§5.1); a request may override it. */
  readonly merchantCategoryCode: string;
  /** Where WeChat sends refund notifications (§5.5 `notify_url`). */
  readonly refundNotifyUrl?: string;
  /** How long (clock time) a pay waits for platform trust before PlatformTrustPending; default 3 s. */
  readonly payTrustWaitMs?: number;
  /** This instance's id among those sharing the log: the saga leases' owner. Default: host, pid and a random part. */
  readonly instanceId?: string;
  /**
   * The longest a saga step may take (real ms): the slowest WeChat call plus a margin; default 17 s,
   * for the default client (`WeChatPayClient.longestSagaCallMs` says what a client needs). A step
   * starts only while its lease outlasts it.
   */
  readonly stepBudgetMs?: number;
  /** How long a saga lease lasts without renewal (shared leases only); default the step budget plus 3 s. */
  readonly leaseTtlMs?: number;
}

export interface CoreDeps {
  readonly store: EventStore;
  readonly gateway: WeChatPayGateway;
  readonly verifier: NotificationVerifier;
  readonly readModels: ReadModelStore;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly config: CoreConfig;
  /** Who drives which sagas; default every partition, in this process alone. */
  readonly leases?: SagaLeases;
}

export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();

/** Runs work for one key at a time, in arrival order; different keys run concurrently. */
export const createKeyedLock = () => {
  const tails = new Map<string, Promise<unknown>>();
  const run = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
  /** Resolves once every run started so far has ended. */
  const idle = async (): Promise<void> => {
    while (tails.size > 0) await Promise.all([...tails.values()]);
  };
  return Object.assign(run, { idle });
};

/**
 * A saga's runs: one at a time per lock key (an order and its refunds share one), and a run asked
 * for while another of the same saga still waits for its turn joins that one. A step reads the
 * latest state when it starts, so one waiting run covers every request made before it starts: a
 * burst of events (a live subscription delivers each) costs one step, not one each.
 */
export const createSagaRuns = () => {
  const lock = createKeyedLock();
  const waiting = new Map<string, Promise<void>>();
  const run = (sagaKey: string, lockKey: string, work: () => Promise<void>): Promise<void> => {
    const queued = waiting.get(sagaKey);
    if (queued) return queued;
    const started = lock(lockKey, () => {
      waiting.delete(sagaKey);
      return work();
    });
    waiting.set(sagaKey, started);
    return started;
  };
  return Object.assign(run, { idle: lock.idle });
};

/** Tells waiters that a stream changed, so `?wait` answers without polling the store. */
export interface ChangeFeed {
  /** `state`, when given, is the order's state as just appended: waiters need not read it back. */
  readonly notify: (streamId: string, state?: Order.OrderState) => void;
  /** Resolves at the next change of the stream (with its state, if told), or after `timeoutMs` of real time. */
  readonly next: (streamId: string, timeoutMs: number) => Promise<Order.OrderState | undefined>;
}

export const createChangeFeed = (): ChangeFeed => {
  const waiters = new Map<string, Set<(state?: Order.OrderState) => void>>();
  return {
    notify: (streamId, state) => {
      const set = waiters.get(streamId);
      if (!set) return;
      waiters.delete(streamId);
      for (const wake of set) wake(state);
    },
    next: (streamId, timeoutMs) =>
      new Promise((resolve) => {
        const set = waiters.get(streamId) ?? new Set<(state?: Order.OrderState) => void>();
        waiters.set(streamId, set);
        const done = (state?: Order.OrderState): void => {
          clearTimeout(timer);
          set.delete(done);
          resolve(state);
        };
        const timer = setTimeout(done, Math.max(0, timeoutMs));
        set.add(done);
      }),
  };
};

/** One pending wake-up per key: the saga's next due time, kept in memory only (the store has it too). */
export const createWakeups = (timers: Timers) => {
  const pending = new Map<string, TimerHandle>();
  let isStopped = false;
  return {
    at: (key: string, dueAt: number, callback: () => void): void => {
      if (isStopped) return;
      pending.get(key)?.cancel();
      pending.set(
        key,
        timers.at(dueAt, () => {
          pending.delete(key);
          if (!isStopped) callback();
        }),
      );
    },
    /**
     * The same, after a delay of real time: lease hand-overs between instances are real time,
     * whatever pace business time keeps.
     */
    afterRealMs: (key: string, delayMs: number, callback: () => void): void => {
      if (isStopped) return;
      pending.get(key)?.cancel();
      const timer = setTimeout(() => {
        pending.delete(key);
        if (!isStopped) callback();
      }, delayMs);
      timer.unref();
      pending.set(key, { cancel: () => clearTimeout(timer) });
    },
    stop: (): void => {
      isStopped = true;
      for (const handle of pending.values()) handle.cancel();
      pending.clear();
    },
    size: (): number => pending.size,
  };
};
export type Wakeups = ReturnType<typeof createWakeups>;
