import 'reflect-metadata';
import { Container } from 'inversify';
import {
  createPaymentCore as createCore,
  type CoreConfig,
  type CoreDeps,
  type PaymentCore,
} from '../application';
import type {
  Clock,
  EventStore,
  Logger,
  Metrics,
  NotificationVerifier,
  ReadModelStore,
  Timers,
  WeChatPayGateway,
} from '../ports';
import type { PortBindings } from './port-bindings';

/** Injection tokens: one per port, plus the core itself. */
export const TYPES = {
  CoreConfig: Symbol.for('CoreConfig'),
  EventStore: Symbol.for('EventStore'),
  ReadModels: Symbol.for('ReadModelStore'),
  Gateway: Symbol.for('WeChatPayGateway'),
  Verifier: Symbol.for('NotificationVerifier'),
  Clock: Symbol.for('Clock'),
  Timers: Symbol.for('Timers'),
  Logger: Symbol.for('Logger'),
  Metrics: Symbol.for('Metrics'),
  PaymentCore: Symbol.for('PaymentCore'),
} as const;

export type { PortBindings } from './port-bindings';

/**
 * The one place that knows which adapter serves which port. Defaults are bound first; an embedding
 * platform's overrides replace them, so the core never learns where its ports come from.
 */
export const buildContainer = (
  config: CoreConfig,
  defaults: PortBindings,
  overrides: Partial<PortBindings> = {},
): Container => {
  const container = new Container();
  const ports: PortBindings = { ...defaults, ...overrides };
  container.bind<CoreConfig>(TYPES.CoreConfig).toConstantValue(config);
  container.bind<EventStore>(TYPES.EventStore).toConstantValue(ports.store);
  container.bind<ReadModelStore>(TYPES.ReadModels).toConstantValue(ports.readModels);
  container.bind<WeChatPayGateway>(TYPES.Gateway).toConstantValue(ports.gateway);
  container.bind<NotificationVerifier>(TYPES.Verifier).toConstantValue(ports.verifier);
  container.bind<Clock>(TYPES.Clock).toConstantValue(ports.clock);
  container.bind<Timers>(TYPES.Timers).toConstantValue(ports.timers);
  container.bind<Logger>(TYPES.Logger).toConstantValue(ports.logger);
  container.bind<Metrics>(TYPES.Metrics).toConstantValue(ports.metrics);
  container
    .bind<PaymentCore>(TYPES.PaymentCore)
    .toDynamicValue((ctx) => {
      const get = <T>(id: symbol): T => ctx.container.get<T>(id);
      const deps: CoreDeps = {
        config: get(TYPES.CoreConfig),
        store: get(TYPES.EventStore),
        readModels: get(TYPES.ReadModels),
        gateway: get(TYPES.Gateway),
        verifier: get(TYPES.Verifier),
        clock: get(TYPES.Clock),
        timers: get(TYPES.Timers),
        logger: get(TYPES.Logger),
        metrics: get(TYPES.Metrics),
        ...(ports.leases ? { leases: ports.leases } : {}),
      };
      return createCore(deps);
    })
    .inSingletonScope();
  return container;
};
