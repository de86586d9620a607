import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from '../../ports/metrics';

/**
 * The Metrics port on prom-client, in a registry of its own so that two cores in one process (or
 * one test file) never share counters. Label values come from bounded sets by the port's contract.
 */

export interface PrometheusMetrics {
  readonly metrics: Metrics;
  readonly render: () => Promise<{ readonly contentType: string; readonly body: string }>;
  readonly registry: Registry;
}

export interface PrometheusOptions {
  /** Process metrics (CPU, memory, event loop lag). On by default; tests turn them off. */
  readonly collectDefaultMetrics?: boolean;
  readonly prefix?: string;
}

// A Quick Pay saga ends within ~45 s of submit unless a reversal needs retries (reference §7.1).
const PAYMENT_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300];
// Refunds may take from seconds to days (reference §7.2: wallet real-time, cards 2–5 working days).
const REFUND_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600];
const GATEWAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const seconds = (ms: number): number => Math.max(0, ms) / 1000;

export const createPrometheusMetrics = (options: PrometheusOptions = {}): PrometheusMetrics => {
  const registry = new Registry();
  const prefix = options.prefix ?? 'wpg_';
  const registers = [registry];
  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const payments = new Counter({
    name: `${prefix}payments_total`,
    help: 'Payments that reached a final status (or NEEDS_REVIEW), by status.',
    labelNames: ['status'],
    registers,
  });
  const paymentDuration = new Histogram({
    name: `${prefix}payment_saga_duration_seconds`,
    help: 'Time from submit to the final status of a payment saga.',
    labelNames: ['status'],
    buckets: PAYMENT_BUCKETS,
    registers,
  });
  const refunds = new Counter({
    name: `${prefix}refunds_total`,
    help: 'Refunds that reached a final status (or NEEDS_REVIEW), by status.',
    labelNames: ['status'],
    registers,
  });
  const refundDuration = new Histogram({
    name: `${prefix}refund_saga_duration_seconds`,
    help: 'Time from request to the final status of a refund saga.',
    labelNames: ['status'],
    buckets: REFUND_BUCKETS,
    registers,
  });
  const gatewayCalls = new Counter({
    name: `${prefix}gateway_requests_total`,
    help: 'Calls to WeChat Pay, by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const gatewayLatency = new Histogram({
    name: `${prefix}gateway_request_duration_seconds`,
    help: 'Latency of calls to WeChat Pay, by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: GATEWAY_BUCKETS,
    registers,
  });
  const notifications = new Counter({
    name: `${prefix}notifications_total`,
    help: 'Incoming WeChat Pay notifications, by result (accepted, duplicate, or the rejection).',
    labelNames: ['result'],
    registers,
  });
  const projectionLag = new Gauge({
    name: `${prefix}projection_lag_events`,
    help: "How many log positions a projection is behind the log's head.",
    labelNames: ['projection'],
    registers,
  });
  const projectionFailed = new Gauge({
    name: `${prefix}projection_failed`,
    help: 'A public projection that stopped on an error (1) or runs (0); restart it to resume.',
    labelNames: ['projection'],
    registers,
  });
  const sagaPartitions = new Gauge({
    name: `${prefix}saga_partitions_held`,
    help: 'Saga partitions this instance leases (all of them when it alone drives the log).',
    registers,
  });

  const metrics: Metrics = {
    paymentSettled: (status, durationMs) => {
      payments.inc({ status });
      paymentDuration.observe({ status }, seconds(durationMs));
    },
    refundSettled: (status, durationMs) => {
      refunds.inc({ status });
      refundDuration.observe({ status }, seconds(durationMs));
    },
    gatewayCall: (operation, outcome, durationMs) => {
      gatewayCalls.inc({ operation, outcome });
      gatewayLatency.observe({ operation, outcome }, seconds(durationMs));
    },
    notification: (result) => notifications.inc({ result }),
    projectionLag: (projection, lag) => projectionLag.set({ projection }, Math.max(0, lag)),
    projectionStatus: (projection, status) =>
      projectionFailed.set({ projection }, status === 'failed' ? 1 : 0),
    sagaPartitionsHeld: (count) => sagaPartitions.set(count),
  };

  return {
    metrics,
    registry,
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
};
