import {
  concurrentSteps,
  handBacks,
  returnsAfterDeath,
  ledgerMismatches,
  paidMoreThanOnce,
  sagaTakeover,
  type SandboxCall,
  type ServicePayment,
  TRANSIT_ALLOWANCE_MS,
} from '../../support/cluster-checks';

/** The rules the scale-out e2e specs apply to the sandbox's records, each on a hand-made record. */
let seq = 0;
const call = (
  instance: string,
  operation: string,
  receivedAt: number,
  answeredAt: number | null,
  ids: { outTradeNo?: string; outRefundNo?: string } = { outTradeNo: 'T1' },
): SandboxCall => ({
  seq: ++seq,
  operation,
  instance,
  subMchid: '1900000109',
  ...ids,
  receivedAt,
  answeredAt,
  businessAt: receivedAt,
  status: 200,
});

describe('the call record checks', () => {
  it('finds two instances calling for one saga at once, not calls that follow each other', () => {
    const follows = [call('a', 'pay', 0, 10), call('b', 'queryOrder', 10, 20), call('b', 'reverse', 15, 30)];
    expect(concurrentSteps(follows)).toEqual([]);
    const overlapping = [call('a', 'queryOrder', 0, 50), call('b', 'queryOrder', 49, 60)];
    expect(concurrentSteps(overlapping)).toHaveLength(1);
    // A call never answered lasts until its caller moves on (its next call for the saga, or its
    // death), or else to the end of the record.
    expect(concurrentSteps([call('a', 'pay', 0, null), call('b', 'queryOrder', 500, 510)])).toHaveLength(1);
    const held = [
      call('a', 'pay', 0, null),
      call('a', 'queryOrder', 400, 410),
      call('b', 'queryOrder', 500, 510),
    ];
    expect(concurrentSteps(held)).toEqual([]);
    const died = [call('a', 'pay', 0, null), call('b', 'queryOrder', 500, 510)];
    expect(concurrentSteps(died, new Map([['a', 450]]))).toEqual([]);
    expect(concurrentSteps(died, new Map([['a', 505]]))).toHaveLength(1);
    // …or at the latest at the client's deadline for it, which started a little before it arrived.
    expect(concurrentSteps(died, new Map(), { pay: 500 + TRANSIT_ALLOWANCE_MS })).toEqual([]);
    expect(concurrentSteps(died, new Map(), { pay: 501 + TRANSIT_ALLOWANCE_MS })).toHaveLength(1);
    // Other sagas, or the same instance, never count.
    expect(
      concurrentSteps([
        call('a', 'queryOrder', 0, 50),
        call('b', 'queryOrder', 10, 20, { outTradeNo: 'T2' }),
        call('a', 'reverse', 10, 20),
      ]),
    ).toEqual([]);
  });

  it('keeps refunds apart from their order', () => {
    const calls = [
      call('a', 'queryOrder', 0, 50),
      call('b', 'refund', 10, 20, { outTradeNo: 'T1', outRefundNo: 'R1' }),
    ];
    expect(concurrentSteps(calls)).toEqual([]);
  });

  it('finds a saga handed back to an instance it had left', () => {
    expect(
      handBacks([call('a', 'pay', 0, 1), call('b', 'queryOrder', 2, 3), call('b', 'reverse', 4, 5)]),
    ).toEqual([]);
    expect(
      handBacks([call('a', 'pay', 0, 1), call('b', 'queryOrder', 2, 3), call('a', 'queryOrder', 4, 5)]),
    ).toMatchObject([{ saga: 'order 1900000109/T1', turns: ['a', 'b', 'a'], afterDeath: false }]);
  });

  it('tells a return to the paying instance after the owner died from a hand-back', () => {
    // a sent the pay, b owned the saga and polled it, b died, a took the saga over.
    const calls = [call('a', 'pay', 0, 1), call('b', 'queryOrder', 2, 3), call('a', 'queryOrder', 20, 21)];
    expect(handBacks(calls, new Map([['b', 10]]))).toEqual([]);
    expect(returnsAfterDeath(calls, new Map([['b', 10]]))).toMatchObject([{ turns: ['a', 'b', 'a'] }]);
    // b died only after a was back: both were alive to drive it.
    expect(handBacks(calls, new Map([['b', 25]]))).toHaveLength(1);
    expect(returnsAfterDeath(calls, new Map([['b', 25]]))).toEqual([]);
  });

  it('counts pay calls per order', () => {
    expect(paidMoreThanOnce([call('a', 'pay', 0, 1), call('a', 'queryOrder', 2, 3)])).toEqual([]);
    expect(paidMoreThanOnce([call('a', 'pay', 0, 1), call('b', 'pay', 2, 3)])).toEqual([
      { order: '1900000109/T1', pays: 2 },
    ]);
  });

  it('measures the takeover of the sagas the killed instance was polling', () => {
    const calls = [
      // T1: polled by the victim, taken over 1.5 s after the kill.
      call('v', 'pay', 0, 5, { outTradeNo: 'T1' }),
      call('v', 'queryOrder', 100, 105, { outTradeNo: 'T1' }),
      call('s', 'queryOrder', 1_600, 1_605, { outTradeNo: 'T1' }),
      // T2: only submitted by the victim: not known to be its saga.
      call('v', 'pay', 50, 55, { outTradeNo: 'T2' }),
      call('s', 'queryOrder', 200, 205, { outTradeNo: 'T2' }),
      // T3: polled by the victim, taken over 2.5 s after the kill.
      call('v', 'queryOrder', 90, 95, { outTradeNo: 'T3' }),
      call('s', 'reverse', 2_600, 2_605, { outTradeNo: 'T3' }),
    ];
    const takeover = sagaTakeover(calls, 'v', 100.5);
    expect(takeover).toMatchObject({ sagas: 2, firstMs: 1_499.5, lastMs: 2_499.5 });
    expect(takeover.first?.saga).toBe('order 1900000109/T1');
    expect(sagaTakeover(calls, 'nobody', 100)).toEqual({ sagas: 0 });
  });
});

describe('the ledger comparison', () => {
  const payment = (status: string, refunded = 0): ServicePayment => ({
    status,
    amount: { total: 1234, currency: 'HKD' },
    refunded_total: refunded,
    refunds: [],
  });
  const order = (outTradeNo: string, tradeState: string) => ({
    subMchid: '1900000109',
    outTradeNo,
    transactionId: 'x',
    tradeState,
    total: 1234,
    currency: 'HKD',
  });

  it('accepts each final status against the states it stands for', () => {
    expect(
      ledgerMismatches({
        payments: new Map([
          ['P1', payment('SUCCEEDED', 300)],
          ['P2', payment('FAILED')],
          ['P3', payment('FAILED')],
          ['P4', payment('REVERSED')],
        ]),
        refunds: new Map([
          [
            'R1',
            {
              out_trade_no: 'P1',
              out_refund_no: 'R1',
              status: 'SUCCEEDED',
              amount: { refund: 300, currency: 'HKD' },
            },
          ],
        ]),
        orders: [order('P1', 'REFUND'), order('P2', 'PAYERROR'), order('P4', 'REVOKED')],
        sandboxRefunds: [
          {
            subMchid: '1900000109',
            outTradeNo: 'P1',
            outRefundNo: 'R1',
            refundId: 'r',
            status: 'SUCCESS',
            refund: 300,
            currency: 'HKD',
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names every disagreement, unsettled payment and one-sided record', () => {
    const found = ledgerMismatches({
      payments: new Map([
        ['P1', payment('SUCCEEDED')],
        ['P2', payment('PAYING')],
        ['P3', undefined],
        ['P4', payment('SUCCEEDED', 0)],
      ]),
      refunds: new Map([['R9', undefined]]),
      orders: [
        order('P1', 'REVOKED'),
        order('P2', 'USERPAYING'),
        order('P3', 'SUCCESS'),
        order('P4', 'REFUND'),
        order('X', 'SUCCESS'),
      ],
      sandboxRefunds: [
        {
          subMchid: '1900000109',
          outTradeNo: 'P4',
          outRefundNo: 'R4',
          refundId: 'r',
          status: 'SUCCESS',
          refund: 100,
          currency: 'HKD',
        },
      ],
    });
    expect(found).toEqual([
      'payment P1: SUCCEEDED in the service, WeChat holds REVOKED',
      'payment P2: not settled (PAYING), WeChat holds USERPAYING',
      'payment P3: unknown to the service, WeChat holds SUCCESS',
      'payment P4: refunded 0 in the service, 100 at WeChat',
      'order X: held by WeChat (SUCCESS), never made by the driver',
      'refund R9: unknown to the service, WeChat holds nothing',
      'refund R4: held by WeChat (SUCCESS), never asked for',
    ]);
  });
});
