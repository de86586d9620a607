import { createCallLog, instanceOf, type CallEntry } from '../../../../src/adapters/sandbox/http/calls';
import type { SandboxCall } from '../../../../src/adapters/sandbox';
import {
  authCode,
  payBody,
  queryTarget,
  SUB_MCHID,
  uniqueNo,
  type Harness,
  withSharedHarness,
} from './support/harness';

/**
 * The call record: every merchant API call the sandbox receives, with the instance named in its
 * User-Agent, what it was answered and which fault, if any, was injected into it.
 */

const entry = (fields: Partial<CallEntry> = {}): CallEntry => ({
  operation: 'pay',
  instance: null,
  receivedAt: 1,
  answeredAt: 2,
  businessAt: Date.UTC(2026, 0, 1),
  status: 200,
  ...fields,
});

describe('the call log', () => {
  it('numbers calls from 1 and keeps only the newest ones beyond its capacity', () => {
    const log = createCallLog(3);
    for (const outTradeNo of ['a', 'b', 'c', 'd', 'e']) log.append(entry({ outTradeNo }));
    expect(log.list().map((c) => [c.seq, c.outTradeNo])).toEqual([
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ]);
    expect(log.discarded()).toBe(2);
    expect(log.list({ since: 3 }).map((c) => c.seq)).toEqual([4, 5]);
    expect(log.list({ since: 0 }).map((c) => c.seq)).toEqual([3, 4, 5]);
    expect(log.list({ since: 5 })).toEqual([]);
  });

  it('filters on operation, ids and instance together, and prints business time as ISO', () => {
    const log = createCallLog();
    log.append(entry({ instance: 'a', outTradeNo: 'x' }));
    log.append(entry({ instance: 'b', outTradeNo: 'x', operation: 'queryOrder', subMchid: '1' }));
    log.append(entry({ instance: 'a', outTradeNo: 'x', outRefundNo: 'r', operation: 'refund' }));
    expect(log.list({ instance: 'a' }).map((c) => c.seq)).toEqual([1, 3]);
    expect(log.list({ outTradeNo: 'x', operation: 'queryOrder' })).toEqual<SandboxCall[]>([
      {
        seq: 2,
        operation: 'queryOrder',
        instance: 'b',
        subMchid: '1',
        outTradeNo: 'x',
        receivedAt: 1,
        answeredAt: 2,
        businessAt: '2026-01-01T00:00:00.000Z',
        status: 200,
      },
    ]);
    expect(log.list({ outRefundNo: 'r' }).map((c) => c.seq)).toEqual([3]);
  });

  it.each([
    ['wechatpay-global-core/0.1.0 (Node.js v22.1.0; instance web-1)', 'web-1'],
    ['wechatpay-global-core/0.1.0 (Node.js v22.1.0; instance a.b_c-9)', 'a.b_c-9'],
    ['shop/2.0 (instance pod-3)', 'pod-3'],
    ['wechatpay-global-core/0.1.0 (Node.js v22.1.0)', null],
    ['instance web-1', null],
    ['x (instance has space)', null],
    [undefined, null],
  ])('reads the instance of %j as %j', (userAgent, instance) => {
    expect(instanceOf(userAgent)).toBe(instance);
    expect(instanceOf(userAgent)).toBe(instance);
  });
});

let h: Harness;
withSharedHarness((started) => (h = started));
afterEach(async () => {
  await h.control('POST', '/sandbox/faults', {
    latencyMs: 0,
    errorRate: 0,
    dropRate: 0,
    unverifiableRate: 0,
  });
});

const agent = (instance: string) => ({ 'User-Agent': `shop-test/1.0 (Node.js v22; instance ${instance})` });

const pay = (outTradeNo: string, instance: string, code = authCode('00')) =>
  h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: code }),
    headers: agent(instance),
  });

const callsOf = async (outTradeNo: string): Promise<SandboxCall[]> =>
  ((await h.control('GET', `/sandbox/calls?outTradeNo=${outTradeNo}`)) as { calls: SandboxCall[] }).calls;

describe('the call record over HTTP', () => {
  it('records an answered call with its instance, ids, times and status', async () => {
    const outTradeNo = uniqueNo('cr');
    const before = Date.now();
    expect((await pay(outTradeNo, 'till-1')).status).toBe(200);
    const [call, ...others] = await callsOf(outTradeNo);
    expect(others).toEqual([]);
    expect(call).toMatchObject({
      operation: 'pay',
      instance: 'till-1',
      subMchid: SUB_MCHID,
      outTradeNo,
      status: 200,
      businessAt: new Date(h.sandbox.now()).toISOString(),
    });
    expect(call?.fault).toBeUndefined();
    expect(call?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(call?.answeredAt).toBeGreaterThanOrEqual(call?.receivedAt ?? Infinity);
    expect(call?.answeredAt).toBeLessThanOrEqual(Date.now());
  });

  it('records refused calls too: a bad signature (401) and a malformed body (400)', async () => {
    const outTradeNo = uniqueNo('cr');
    const forged = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo, authCode: authCode('00') }),
      signBody: '{}',
      headers: agent('till-2'),
    });
    expect(forged.status).toBe(401);
    const malformed = await h.client.send('GET', `/v3/global/transactions/out-trade-no/${outTradeNo}`, {
      headers: agent('till-2'),
    });
    expect(malformed.status).toBe(400);
    expect((await callsOf(outTradeNo)).map((c) => [c.operation, c.instance, c.status])).toEqual([
      ['pay', 'till-2', 401],
      ['queryOrder', 'till-2', 400],
    ]);
  });

  it('names the injected fault; a dropped or held call has no answer', async () => {
    const [errored, dropped, delayed, unverifiable, held] = [1, 2, 3, 4, 5].map(() => uniqueNo('cf'));
    await h.control('POST', '/sandbox/faults', { errorRate: 1 });
    expect((await pay(errored ?? '', 'f')).status).toBe(500);
    await h.control('POST', '/sandbox/faults', { errorRate: 0, dropRate: 1 });
    await expect(pay(dropped ?? '', 'f')).rejects.toThrow();
    await h.control('POST', '/sandbox/faults', { dropRate: 0, latencyMs: 30 });
    expect((await pay(delayed ?? '', 'f')).status).toBe(200);
    await h.control('POST', '/sandbox/faults', { latencyMs: 0, unverifiableRate: 1 });
    expect((await pay(unverifiable ?? '', 'f')).status).toBe(200);
    await h.control('POST', '/sandbox/faults', { unverifiableRate: 0 });
    await expect(
      h.client.send('POST', '/v3/global/micropay/transactions/pay', {
        body: payBody(h, { outTradeNo: held ?? '', authCode: authCode('30') }),
        headers: agent('f'),
        timeoutMs: 100,
      }),
    ).rejects.toThrow('client timeout');
    const one = async (outTradeNo: string | undefined) => (await callsOf(outTradeNo ?? ''))[0];
    expect(await one(errored)).toMatchObject({ status: 500, fault: 'error' });
    expect(await one(dropped)).toMatchObject({ status: null, answeredAt: null, fault: 'drop' });
    const slow = await one(delayed);
    expect(slow).toMatchObject({ status: 200, fault: 'latency' });
    expect((slow?.answeredAt ?? 0) - (slow?.receivedAt ?? 0)).toBeGreaterThanOrEqual(25);
    expect(await one(unverifiable)).toMatchObject({ status: 200, fault: 'unverifiable' });
    expect(await one(held)).toMatchObject({ status: null, answeredAt: null, fault: 'hang' });
  });

  it('names the reverse faults and a refund refusal set through the control API', async () => {
    const outTradeNo = uniqueNo('cv');
    await pay(outTradeNo, 'g');
    h.clock.advance(20_000);
    await h.control('POST', '/sandbox/faults/reverse', { errors: 1, hangs: 1 });
    const reverse = (timeoutMs?: number) =>
      h.client.send('POST', `/v3/global/micropay/transactions/out-trade-no/${outTradeNo}/reverse`, {
        body: JSON.stringify({ sp_mchid: h.spMchid, sub_mchid: SUB_MCHID }),
        headers: agent('g'),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
    expect((await reverse()).status).toBe(500);
    await expect(reverse(100)).rejects.toThrow('client timeout');

    const paid = uniqueNo('cv');
    await pay(paid, 'g');
    await h.control('POST', '/sandbox/refunds/refusals', { code: 'NOT_ENOUGH', count: 1 });
    const outRefundNo = uniqueNo('rf');
    const refused = await h.client.send('POST', '/v3/global/refunds', {
      body: JSON.stringify({
        sp_mchid: h.spMchid,
        sp_appid: h.spAppid,
        sub_mchid: SUB_MCHID,
        out_trade_no: paid,
        out_refund_no: outRefundNo,
        amount: { refund: 100, total: 1000, currency: 'HKD' },
      }),
      headers: agent('g'),
    });
    expect(refused.status).toBe(403);
    expect((await callsOf(outTradeNo)).map((c) => [c.operation, c.status, c.fault])).toEqual([
      ['pay', 200, undefined],
      ['reverse', 500, 'reverse-error'],
      ['reverse', null, 'reverse-hang'],
    ]);
    expect((await callsOf(paid)).map((c) => [c.operation, c.outRefundNo, c.status, c.fault])).toEqual([
      ['pay', undefined, 200, undefined],
      ['refund', outRefundNo, 403, 'refund-refusal'],
    ]);
  });

  it('finds the order of a call that names it by WeChat id', async () => {
    const outTradeNo = uniqueNo('ci');
    const id = (await pay(outTradeNo, 'h')).json()['id'] as string;
    await h.client.send(
      'GET',
      `/v3/global/transactions/id/${id}?sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
      {
        headers: agent('h'),
      },
    );
    expect((await callsOf(outTradeNo)).map((c) => c.operation)).toEqual(['pay', 'queryOrder']);
  });

  it('does not record requests to paths that are no API, nor control calls', async () => {
    const { calls: before } = (await h.control('GET', '/sandbox/calls')) as { calls: SandboxCall[] };
    const last = before[before.length - 1]?.seq ?? 0;
    expect((await h.client.send('GET', '/v3/global/nothing', { headers: agent('n') })).status).toBe(404);
    await h.control('GET', '/sandbox/orders');
    expect(await h.control('GET', `/sandbox/calls?since=${last}`)).toEqual({ calls: [], discarded: 0 });
  });

  it('reads sub_mchid from the query string of a query', async () => {
    const outTradeNo = uniqueNo('cq');
    await pay(outTradeNo, 'q');
    expect((await h.client.send('GET', queryTarget(h, outTradeNo), { headers: agent('q') })).status).toBe(
      200,
    );
    expect((await callsOf(outTradeNo)).map((c) => [c.operation, c.subMchid])).toEqual([
      ['pay', SUB_MCHID],
      ['queryOrder', SUB_MCHID],
    ]);
  });
});

describe('GET /sandbox/calls refuses a bad filter with 400, naming it', () => {
  it.each([
    ['operation=paying', /^query parameter operation: expected "pay" \| "queryOrder" \|.*got "paying"$/],
    ['since=-1', /^query parameter since: expected call seq \(whole number ≥ 0\), got "-1"$/],
    ['since=1.5', /^query parameter since: expected call seq/],
    ['since=', /^query parameter since: expected call seq/],
    ['instance=has%20space', /^query parameter instance: expected instance id, got "has space"$/],
    ['outTradeNo=', /^query parameter outTradeNo: expected out_trade_no \(1-128 characters\), got ""$/],
    [
      'out_trade_no=x',
      /^query parameter out_trade_no: unknown filter; the filters are operation, outTradeNo/,
    ],
    ['operation=pay&operation=refund', /^query parameter operation: given more than once$/],
  ])('%s', async (query, message) => {
    const response = await fetch(`${h.sandbox.baseUrl}/sandbox/calls?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string; detail: { location: string } };
    expect(body.code).toBe('PARAM_ERROR');
    expect(body.message).toMatch(message);
    expect(body.detail.location).toBe('query');
  });
});
