import { Order, Refund, type SpMchid } from '../domain';
import { noMetrics } from '../ports';
import type { CoreConfig, PaymentCore } from '../application';
import { createMemoryEventStore } from '../adapters/memory/event-store';
import { createMemoryReadModelStore } from '../adapters/memory/read-model-store';
import { createPinoLogger } from '../adapters/pino';
import { createSystemTimers, systemClock } from '../adapters/system';
import { type PortBindings, TYPES, buildContainer } from './container';

export interface EmbedOptions {
  readonly config: {
    readonly spMchid: SpMchid;
    readonly merchantCategoryCode?: string;
    readonly refundNotifyUrl?: string;
    readonly payPolicy?: Partial<Order.PayPolicy>;
    readonly refundPolicy?: Partial<Refund.RefundPolicy>;
  };
  /** The gateway and verifier are required (see `createWeChatPayClient`); every other port has a default. */
  readonly ports: Pick<PortBindings, 'gateway' | 'verifier'> & Partial<PortBindings>;
}

/**
 * The core for a platform that brings its own HTTP server, store or logger: call `api` from your
 * routes, `start()` once (it catches the read models up and resumes in-flight sagas), `stop()` on
 * shutdown. Defaults: in-memory store and read models, the system clock, silent logs, no metrics.
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
  };
  const clock = options.ports.clock ?? systemClock;
  const defaults: PortBindings = {
    store: createMemoryEventStore(),
    readModels: createMemoryReadModelStore(),
    gateway: options.ports.gateway,
    verifier: options.ports.verifier,
    clock,
    timers: createSystemTimers(clock),
    logger: createPinoLogger({ level: 'silent' }),
    metrics: noMetrics,
  };
  return buildContainer(config, defaults, options.ports).get<PaymentCore>(TYPES.PaymentCore);
};
