import { Order, Refund, type SpMchid } from '../domain';
import { noMetrics } from '../ports';
import { createPaymentCore as createCore, type CoreConfig, type PaymentCore } from '../application';
import { createMemoryEventStore } from '../adapters/memory/event-store';
import { createMemoryReadModelStore } from '../adapters/memory/read-model-store';
import { createStderrLogger } from '../adapters/pino/stderr-logger';
import { createSystemTimers, systemClock } from '../adapters/system';
import type { PortBindings } from './port-bindings';

export interface EmbedOptions {
  readonly config: {
    readonly spMchid: SpMchid;
    readonly merchantCategoryCode?: string;
    readonly refundNotifyUrl?: string;
    readonly payPolicy?: Partial<Order.PayPolicy>;
    readonly refundPolicy?: Partial<Refund.RefundPolicy>;
    /** Several instances on one log (docs/scaling.md): this one's id, unique among the live ones. */
    readonly instanceId?: string;
    /** The longest saga step: `client.longestSagaCallMs + 1_000`; default 17 s, for the default client. */
    readonly stepBudgetMs?: number;
    /** How long a saga lease lasts unrenewed; default the step budget plus 3 s. */
    readonly leaseTtlMs?: number;
  };
  /**
   * The gateway, the verifier and the store are required: the store is the system of record, so
   * choosing one (`createSqliteEventStore`, `createEventStoreDbEventStore`, or `createMemoryEventStore`
   * for tests) is never left to a default. Every other port has one. Several instances of the
   * platform on one log also pass the store's `leases` (`createPostgresSagaLeases`,
   * `createStreamSagaLeases`); without them this process drives every saga.
   */
  readonly ports: Pick<PortBindings, 'gateway' | 'verifier' | 'store'> & Partial<PortBindings>;
  /** Refuses defaults that lose data. Default: `process.env.NODE_ENV === 'production'`. */
  readonly production?: boolean;
}

const MEMORY_STORE_WARNING =
  'createPaymentCore: NO EVENT STORE GIVEN, so payments are kept IN MEMORY and are LOST when this process ' +
  'exits. Pass ports.store (createSqliteEventStore from "wechatpay-global-core/sqlite", or ' +
  'createMemoryEventStore() to choose memory on purpose). This default is refused when NODE_ENV=production.';

/**
 * The core for a platform that brings its own HTTP server, store or logger: call `api` from your
 * routes, `start()` once (it catches the read models up and resumes in-flight sagas), `stop()` on
 * shutdown. Defaults: in-memory read models (rebuilt from the log at start), the system clock,
 * warnings and errors on standard error, no metrics. Plain composition, no container: importing
 * the package root must not load the service's dependencies.
 */
export const createPaymentCore = (options: EmbedOptions): PaymentCore => {
  const payPolicy = { ...Order.defaultPayPolicy, ...options.config.payPolicy };
  const problems = Order.payPolicyProblems(payPolicy);
  if (problems.length > 0) throw new Error(`invalid pay policy: ${problems.join('; ')}`);
  const config: CoreConfig = {
    spMchid: options.config.spMchid,
    merchantCategoryCode: options.config.merchantCategoryCode ?? '5812',
    payPolicy,
    refundPolicy: { ...Refund.defaultRefundPolicy, ...options.config.refundPolicy },
    ...(options.config.refundNotifyUrl !== undefined
      ? { refundNotifyUrl: options.config.refundNotifyUrl }
      : {}),
    ...(options.config.instanceId !== undefined ? { instanceId: options.config.instanceId } : {}),
    ...(options.config.stepBudgetMs !== undefined ? { stepBudgetMs: options.config.stepBudgetMs } : {}),
    ...(options.config.leaseTtlMs !== undefined ? { leaseTtlMs: options.config.leaseTtlMs } : {}),
  };
  const ports = options.ports;
  const logger = ports.logger ?? createStderrLogger();
  // The type requires a store; this guards callers without types, who used to get memory silently.
  const storeGiven = (ports.store as PortBindings['store'] | undefined) !== undefined;
  if (!storeGiven) {
    if (options.production ?? process.env['NODE_ENV'] === 'production') {
      throw new Error(
        'createPaymentCore: ports.store is required in production (NODE_ENV=production); ' +
          'the in-memory default would lose every payment on exit',
      );
    }
    logger.warn(MEMORY_STORE_WARNING);
  }
  const clock = ports.clock ?? systemClock;
  return createCore({
    config,
    store: storeGiven ? ports.store : createMemoryEventStore(),
    readModels: ports.readModels ?? createMemoryReadModelStore(),
    gateway: ports.gateway,
    verifier: ports.verifier,
    clock,
    timers: ports.timers ?? createSystemTimers(clock),
    logger,
    metrics: ports.metrics ?? noMetrics,
    ...(ports.leases ? { leases: ports.leases } : {}),
  });
};
