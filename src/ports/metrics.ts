/**
 * Operational measurements. The application reports; an adapter (Prometheus) aggregates and renders.
 * Label values are bounded sets (statuses, operation names, outcome tags), never ids.
 */
export interface Metrics {
  /** A payment saga reached a final status (or NeedsReview), with its duration from submit. */
  readonly paymentSettled: (status: string, durationMs: number) => void;
  readonly refundSettled: (status: string, durationMs: number) => void;
  /** One call to WeChat: operation (pay, queryOrder, …), outcome tag, latency. */
  readonly gatewayCall: (operation: string, outcome: string, durationMs: number) => void;
  /** One incoming notification: accepted, duplicate, or the rejection's tag. */
  readonly notification: (result: string) => void;
  /** How many positions a projection is behind the log's head. */
  readonly projectionLag: (projection: string, lag: number) => void;
  /**
   * A public projection changed status; 'failed' means its handler (or its checkpoint store)
   * failed and it stopped alone. Optional, so metrics written before it keep compiling.
   */
  readonly projectionStatus?: (projection: string, status: ProjectionStatusName) => void;
  /** How many saga partitions this instance leases now (several instances on one log). */
  readonly sagaPartitionsHeld?: (count: number) => void;
}

export type ProjectionStatusName = 'running' | 'caught-up' | 'failed' | 'stopped';

export const noMetrics: Metrics = {
  paymentSettled: () => undefined,
  refundSettled: () => undefined,
  gatewayCall: () => undefined,
  notification: () => undefined,
  projectionLag: () => undefined,
};
