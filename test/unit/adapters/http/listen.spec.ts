import * as E from 'fp-ts/Either';
import { listenHttpServer } from '../../../../src/adapters/http/fastify';
import type { PaymentView } from '../../../../src/ports/payment-api';
import { AUTH, createHarness, paymentView } from './fake-api';

describe('listening', () => {
  it('binds a free port and reports the URL it serves', async () => {
    const { app } = createHarness();
    const server = await listenHttpServer(app, { port: 0 });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('close lets a request in flight finish before it resolves', async () => {
    const h = createHarness();
    let release: (view: PaymentView) => void = () => undefined;
    const entered = new Promise<void>((resolveEntered) => {
      h.api.payment = () =>
        new Promise((resolve) => {
          release = (view) => resolve(E.right(view));
          resolveEntered();
        });
    });
    const server = await listenHttpServer(h.app, { port: 0 });
    const response = fetch(`${server.url}/v1/payments/1900000109/T1`, { headers: AUTH });
    await entered;
    let isClosed = false;
    const closing = server.close().then(() => {
      isClosed = true;
    });
    await Promise.resolve();
    expect(isClosed).toBe(false);
    release(paymentView());
    const res = await response;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { out_trade_no: string }).out_trade_no).toBe('T20261127001');
    await closing;
    expect(isClosed).toBe(true);
  });
});
