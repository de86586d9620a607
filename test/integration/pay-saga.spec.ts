import type { OutTradeNo, SubMchid } from '../../src/domain';
import { unsafeMoney } from '../../src/domain';
import type { AuthCode } from '../../src/domain';
import {
  type Runtime,
  SUB_MCHID,
  authCode,
  ctx,
  right,
  withWorldAndRuntime,
} from '../support/runtime-harness';

/**
 * The Quick Pay saga against the sandbox over real HTTP with real signatures, one scenario of the
 * sandbox's table each (docs/sandbox.md), at 100× business time.
 */
describe('pay saga against the sandbox', () => {
  let runtime: Runtime;
  withWorldAndRuntime((_world, r) => {
    runtime = r;
  });

  let n = 0;
  const pay = async (scenario: string, seconds = 0, total = 1234) => {
    n += 1;
    const outTradeNo = `it-${Date.now()}-${n}` as OutTradeNo;
    const view = right(
      await runtime.api.createPayment(
        {
          subMchid: SUB_MCHID as SubMchid,
          outTradeNo,
          authCode: authCode(scenario, seconds) as AuthCode,
          amount: unsafeMoney(total, 'HKD'),
          description: 'Integration - coffee',
        },
        ctx,
        60_000,
      )(),
    );
    return view;
  };

  it('an immediate success is SUCCEEDED with WeChat’s transaction id', async () => {
    const view = await pay('00');
    expect(view.status).toBe('SUCCEEDED');
    expect(view.transactionId).toMatch(/^[0-9A-Za-z]+$/);
  });

  it('USERPAYING then paid is polled to SUCCEEDED', async () => {
    const view = await pay('01', 12);
    expect(view.status).toBe('SUCCEEDED');
  });

  it('USERPAYING then the customer cancels ends FAILED', async () => {
    const view = await pay('02', 8);
    expect(view.status).toBe('FAILED');
    expect(view.failure?.code).toBe('PAYERROR');
  });

  it('a customer who never pays is reversed at the deadline', async () => {
    const view = await pay('03');
    expect(view.status).toBe('REVERSED');
  });

  it.each([
    ['10', 'NOTENOUGH'],
    ['11', 'AUTHCODEEXPIRE'],
    ['12', 'AUTH_CODE_INVALID'],
  ])('definite error scenario %s fails with WeChat’s code %s', async (scenario, code) => {
    const view = await pay(scenario);
    expect(view.status).toBe('FAILED');
    expect(view.failure?.code).toBe(code);
  });

  it('SYSTEMERROR with the order created is found paid by the query', async () => {
    const view = await pay('20', 3);
    expect(view.status).toBe('SUCCEEDED');
  });

  it('SYSTEMERROR without an order ends FAILED only after reverse and query agree it never existed', async () => {
    const view = await pay('21');
    expect(view.status).toBe('FAILED');
    expect(view.failure?.code).toBe('ORDER_NOT_FOUND');
  });

  it('a pay request that hangs past the cashier’s deadline is reversed, which refunds the customer', async () => {
    // The client's 1.5 s real timeout is 37.5 s of business time here: past the 30 s deadline.
    const view = await pay('30');
    expect(view.status).toBe('REVERSED');
  });

  it.each(['41', '42'])(
    'a %s server error without an order ends FAILED after reverse and query',
    async (scenario) => {
      const view = await pay(scenario);
      expect(view.status).toBe('FAILED');
    },
  );

  it.each([
    ['50', 'unsigned'],
    ['51', 'wrongly signed'],
    ['52', 'probe-signed'],
  ])('a %s (%s) 2xx is never trusted: the query establishes the payment', async (scenario) => {
    const view = await pay(scenario);
    expect(view.status).toBe('SUCCEEDED');
  });
});

describe('pay saga against the sandbox, at 5× business time', () => {
  let runtime: Runtime;
  withWorldAndRuntime((_world, r) => {
    runtime = r;
  }, 5);

  it('a pay request that hangs past the client timeout while the order is created is found by the query', async () => {
    // 1.5 s real is 7.5 s of business time: the first query, 5 s later, is well inside the 30 s deadline.
    const view = right(
      await runtime.api.createPayment(
        {
          subMchid: SUB_MCHID as SubMchid,
          outTradeNo: `it-hang-${Date.now()}` as OutTradeNo,
          authCode: authCode('30') as AuthCode,
          amount: unsafeMoney(1234, 'HKD'),
          description: 'Integration - coffee',
        },
        ctx,
        60_000,
      )(),
    );
    expect(view.status).toBe('SUCCEEDED');
  });
});
