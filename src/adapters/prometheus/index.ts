export { createPrometheusMetrics } from './metrics';
export type { PrometheusMetrics, PrometheusOptions } from './metrics';
