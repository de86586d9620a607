import {
  apiProblem,
  domainProblem,
  PROBLEM_CODES,
  problem,
} from '../../../../src/adapters/http/fastify/problem';
import type { DomainError } from '../../../../src/domain/shared/errors';

describe('problem mapping', () => {
  it.each<[DomainError, number, string]>([
    [{ _tag: 'OrderAlreadyExists', outTradeNo: 'T1' }, 409, 'OUT_TRADE_NO_USED'],
    [{ _tag: 'RefundNumberConflict', outRefundNo: 'R1' }, 409, 'OUT_REFUND_NO_USED'],
    [{ _tag: 'RefundAlreadyExists', outRefundNo: 'R1' }, 409, 'OUT_REFUND_NO_USED'],
    [{ _tag: 'RefundExceedsPaidTotal', refundable: 1, requested: 2 }, 422, 'REFUND_EXCEEDS_PAID_TOTAL'],
    [{ _tag: 'TooManyRefunds', limit: 50 }, 422, 'TOO_MANY_REFUNDS'],
    [{ _tag: 'RefundWindowExpired', paidAt: 'x' }, 422, 'REFUND_WINDOW_EXPIRED'],
    [{ _tag: 'IllegalTransition', command: 'c', status: 's' }, 422, 'ILLEGAL_TRANSITION'],
    [{ _tag: 'CurrencyMismatch', left: 'HKD', right: 'USD' }, 422, 'CURRENCY_MISMATCH'],
    [{ _tag: 'OrderNotFound' }, 404, 'PAYMENT_NOT_FOUND'],
    [{ _tag: 'RefundNotFound' }, 404, 'REFUND_NOT_FOUND'],
  ])('%j becomes %i %s', (error, status, code) => {
    expect(domainProblem(error)).toMatchObject({ status, code });
  });

  it('every problem has the RFC 9457 members and a type derived from its code', () => {
    for (const code of PROBLEM_CODES) {
      const p = problem(code);
      expect(p.type).toBe(`urn:wpg:problem:${code.toLowerCase().replace(/_/g, '-')}`);
      expect(p.title.length).toBeGreaterThan(0);
      expect(p.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('infrastructure messages are not passed to clients', () => {
    const p = apiProblem({ _tag: 'Unavailable', message: 'connect ECONNREFUSED 10.0.0.5:2113' });
    expect(p).toEqual(problem('SERVICE_UNAVAILABLE'));
  });

  it('a request the core finds invalid is 400 VALIDATION_FAILED', () => {
    expect(apiProblem({ _tag: 'InvalidRequest', detail: 'currency differs from the payment' })).toMatchObject(
      {
        status: 400,
        code: 'VALIDATION_FAILED',
        detail: 'currency differs from the payment',
      },
    );
  });

  it('a gateway failure keeps WeChat code for the merchant', () => {
    expect(
      apiProblem({ _tag: 'GatewayFailed', outcome: 'Rejected', code: 'NOT_ENOUGH', message: 'balance' }),
    ).toMatchObject({
      status: 502,
      code: 'GATEWAY_FAILED',
      wechat_code: 'NOT_ENOUGH',
      detail: 'Rejected: balance',
    });
  });
});
