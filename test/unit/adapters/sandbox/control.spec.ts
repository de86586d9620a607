import { authCode, payBody, queryTarget, uniqueNo, type Harness, withSharedHarness } from './support/harness';

/** Issue 4 §8: the control API injects latency, errors and dropped connections, and moves business time. */

let h: Harness;
withSharedHarness((started) => (h = started));
afterEach(async () => {
  await h.control('POST', '/sandbox/faults', { latencyMs: 0, errorRate: 0, dropRate: 0 });
});

const pay = (outTradeNo: string, timeoutMs?: number) =>
  h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: authCode('00') }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });

describe('control API', () => {
  it('latency: an answer slower than the client timeout is never seen, and nothing was done', async () => {
    await h.control('POST', '/sandbox/faults', { latencyMs: 5_000 });
    const outTradeNo = uniqueNo('ct');
    await expect(pay(outTradeNo, 50)).rejects.toThrow('client timeout');
    await h.control('POST', '/sandbox/faults', { latencyMs: 0 });
    expect((await h.client.send('GET', queryTarget(h, outTradeNo))).status).toBe(404);
  });

  it('error rate 1: every API call answers 500 SYSTEM_ERROR before doing anything', async () => {
    await h.control('POST', '/sandbox/faults', { errorRate: 1 });
    const outTradeNo = uniqueNo('ct');
    const response = await pay(outTradeNo);
    expect(response.status).toBe(500);
    expect(response.json()['code']).toBe('SYSTEM_ERROR');
    await h.control('POST', '/sandbox/faults', { errorRate: 0 });
    expect((await h.client.send('GET', queryTarget(h, outTradeNo))).status).toBe(404);
  });

  it('drop rate 1: the connection closes without an answer', async () => {
    await h.control('POST', '/sandbox/faults', { dropRate: 1 });
    await expect(pay(uniqueNo('ct'))).rejects.toThrow();
  });

  it('a fault rate between 0 and 1 affects some calls and not others', async () => {
    await h.control('POST', '/sandbox/faults', { errorRate: 0.5 });
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i += 1) statuses.add((await pay(uniqueNo('ct'))).status);
    expect([...statuses].sort()).toEqual([200, 500]);
  });

  it('counts every fault it injects, by kind', async () => {
    const injected = async () =>
      ((await h.control('GET', '/sandbox/requests')) as { faultsInjected: Record<string, number> })
        .faultsInjected;
    const before = await injected();
    await h.control('POST', '/sandbox/faults', { errorRate: 1 });
    await pay(uniqueNo('ct'));
    await pay(uniqueNo('ct'));
    await h.control('POST', '/sandbox/faults', { errorRate: 0, dropRate: 1 });
    await expect(pay(uniqueNo('ct'))).rejects.toThrow();
    const after = await injected();
    expect((after['error'] ?? 0) - (before['error'] ?? 0)).toBe(2);
    expect((after['drop'] ?? 0) - (before['drop'] ?? 0)).toBe(1);
  });

  it('rejects an invalid fault setting', async () => {
    const answer = await h.control('POST', '/sandbox/faults', { errorRate: 2 });
    expect(answer).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '#/properties/errorRate' } });
  });

  it('advances business time, without moving protocol time', async () => {
    const before = (await h.control('GET', '/sandbox/time')) as { now: number; wallNow: number };
    const after = await h.control('POST', '/sandbox/time/advance', { seconds: 90 });
    expect(after['now']).toBe(before.now + 90_000);
    expect(((await h.control('GET', '/sandbox/time')) as { wallNow: number }).wallNow).toBe(before.wallNow);
    expect((await pay(uniqueNo('ct'))).status).toBe(200);
  });

  it('an unknown control path is 404', async () => {
    const response = await fetch(`${h.sandbox.baseUrl}/sandbox/nothing`);
    expect(response.status).toBe(404);
  });
});
