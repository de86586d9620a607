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
  /** How long a saga lease lasts without renewal (shared leases only); default 15 s. */
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
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
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
    stop: (): void => {
      isStopped = true;
      for (const handle of pending.values()) handle.cancel();
      pending.clear();
    },
    size: (): number => pending.size,
  };
};
export type Wakeups = ReturnType<typeof createWakeups>;
