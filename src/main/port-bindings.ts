import type {
  Clock,
  EventStore,
  Logger,
  Metrics,
  NotificationVerifier,
  ReadModelStore,
  SagaLeases,
  Timers,
  WeChatPayGateway,
} from '../ports';

/**
 * The port each adapter serves. Kept apart from the container so that the root's typings
 * (`createPaymentCore`'s options) never reach inversify's, an optional peer.
 */
export interface PortBindings {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly gateway: WeChatPayGateway;
  readonly verifier: NotificationVerifier;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Saga ownership; default every partition (one process drives every saga). */
  readonly leases?: SagaLeases;
}
