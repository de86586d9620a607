import { createPrometheusMetrics } from '../../../../src/adapters/prometheus';

const line = (body: string, prefix: string): string | undefined =>
  body.split('\n').find((l) => l.startsWith(prefix));

describe('Prometheus metrics', () => {
  it('counts payments by outcome and observes saga durations in seconds', async () => {
    const { metrics, render } = createPrometheusMetrics({ collectDefaultMetrics: false });
    metrics.paymentSettled('SUCCEEDED', 1500);
    metrics.paymentSettled('SUCCEEDED', 40_000);
    metrics.paymentSettled('REVERSED', 31_000);
    const { body, contentType } = await render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(line(body, 'wpg_payments_total{status="SUCCEEDED"}')).toBe(
      'wpg_payments_total{status="SUCCEEDED"} 2',
    );
    expect(line(body, 'wpg_payments_total{status="REVERSED"}')).toBe(
      'wpg_payments_total{status="REVERSED"} 1',
    );
    expect(line(body, 'wpg_payment_saga_duration_seconds_sum{status="SUCCEEDED"}')).toBe(
      'wpg_payment_saga_duration_seconds_sum{status="SUCCEEDED"} 41.5',
    );
    expect(line(body, 'wpg_payment_saga_duration_seconds_bucket{le="2",status="SUCCEEDED"}')).toBe(
      'wpg_payment_saga_duration_seconds_bucket{le="2",status="SUCCEEDED"} 1',
    );
  });

  it('counts refunds and notifications, and records gateway latency per operation and outcome', async () => {
    const { metrics, render } = createPrometheusMetrics({ collectDefaultMetrics: false });
    metrics.refundSettled('SUCCEEDED', 60_000);
    metrics.gatewayCall('pay', 'InProgress', 120);
    metrics.gatewayCall('queryOrder', 'Success', 80);
    metrics.gatewayCall('queryOrder', 'Success', 40);
    metrics.notification('accepted');
    metrics.notification('BadSignature');
    const { body } = await render();
    expect(body).toContain('wpg_refunds_total{status="SUCCEEDED"} 1');
    expect(body).toContain('wpg_refund_saga_duration_seconds_sum{status="SUCCEEDED"} 60');
    expect(body).toContain('wpg_gateway_requests_total{operation="queryOrder",outcome="Success"} 2');
    expect(body).toContain('wpg_gateway_requests_total{operation="pay",outcome="InProgress"} 1');
    expect(body).toContain(
      'wpg_gateway_request_duration_seconds_count{operation="queryOrder",outcome="Success"} 2',
    );
    expect(body).toContain('wpg_notifications_total{result="accepted"} 1');
    expect(body).toContain('wpg_notifications_total{result="BadSignature"} 1');
  });

  it('projection lag is a gauge that follows the latest value', async () => {
    const { metrics, render } = createPrometheusMetrics({ collectDefaultMetrics: false });
    metrics.projectionLag('payments', 12);
    metrics.projectionLag('payments', 3);
    expect(await render().then((r) => r.body)).toContain(
      'wpg_projection_lag_events{projection="payments"} 3',
    );
  });

  it('each instance has its own registry, so two never share counts', async () => {
    const a = createPrometheusMetrics({ collectDefaultMetrics: false });
    const b = createPrometheusMetrics({ collectDefaultMetrics: false });
    a.metrics.notification('accepted');
    expect((await a.render()).body).toContain('wpg_notifications_total{result="accepted"} 1');
    expect((await b.render()).body).not.toContain('result="accepted"');
  });

  it('process metrics are included by default', async () => {
    const { render } = createPrometheusMetrics();
    expect((await render()).body).toContain('wpg_process_cpu_user_seconds_total');
  });
});
