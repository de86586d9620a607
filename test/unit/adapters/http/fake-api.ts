import * as T from 'fp-ts/Task';
import * as TE from 'fp-ts/TaskEither';
import { createHttpServer } from '../../../../src/adapters/http/fastify';
import type { FastifyInstance } from 'fastify';
import { unsafeMoney } from '../../../../src/domain/shared/money';
import type { StatementDate } from '../../../../src/domain/shared/ids';
import type { LogFields, Logger } from '../../../../src/ports/logger';
import type {
  ApiError,
  PaymentApi,
  PaymentView,
  Readiness,
  ReconciliationView,
  RefundView,
  ReviewItem,
} from '../../../../src/ports/payment-api';
import type { Settlement } from '../../../../src/ports/wechat-pay-gateway';

/**
 * fastify's `inject` loads light-my-request, which requires `cookie@2`, an ES module that Jest's
 * CommonJS runtime cannot load on Node 20. Only request cookies use it and no test sends any.
 */
jest.mock('cookie', () => ({
  stringifySetCookie: () => {
    throw new Error('request cookies are not supported in these tests');
  },
}));

/** A PaymentApi whose answers each test sets, recording every call it receives. */

export const TOKEN = 'test-token-0123456789';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export const refundView = (overrides: Partial<RefundView> = {}): RefundView => ({
  subMchid: '1900000109',
  outTradeNo: 'T20261127001',
  outRefundNo: 'R20261127001',
  status: 'PROCESSING',
  amount: unsafeMoney(300, 'HKD'),
  requestedAt: '2026-11-27T10:00:00.000Z',
  ...overrides,
});

export const paymentView = (overrides: Partial<PaymentView> = {}): PaymentView => ({
  spMchid: '1900000100',
  subMchid: '1900000109',
  outTradeNo: 'T20261127001',
  status: 'SUCCEEDED',
  amount: unsafeMoney(1000, 'HKD'),
  description: 'Shop - coffee',
  authCodeMasked: '134567********1234',
  transactionId: '4200000000202611270000000001',
  successTime: '2026-11-27T18:00:03+08:00',
  refundedTotal: unsafeMoney(0, 'HKD'),
  pendingRefundTotal: unsafeMoney(300, 'HKD'),
  submittedAt: '2026-11-27T10:00:00.000Z',
  refunds: [refundView()],
  ...overrides,
});

export const reconciliationView = (): ReconciliationView => ({
  spMchid: '1900000100',
  date: '20261126' as StatementDate,
  statementSha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  reconciledAt: '2026-11-27T02:00:00.000Z',
  counts: { matched: 1, amount_mismatch: 0, status_mismatch: 0, missing_here: 1, missing_at_wechat: 0 },
  lines: [
    {
      kind: 'payment',
      classification: 'missing_here',
      subMchid: '1900000109',
      outTradeNo: 'T1',
      theirs: { amount: 100, currency: 'HKD', status: 'SUCCESS' },
    },
  ],
});

export const settlement: Settlement = {
  batchId: 'B1',
  settlementDate: '20261126',
  amount: { currency: 'HKD', settled: 1000, fee: 6 },
};

export const reviewItem: ReviewItem = {
  kind: 'payment',
  streamId: 'order-1900000109:T1',
  subMchid: '1900000109',
  outTradeNo: 'T1',
  reason: 'PaidAfterReversal',
  detail: 'query said SUCCESS after REVOKED',
  flaggedAt: '2026-11-27T10:00:00.000Z',
  awaits: 'operator',
};

export interface Call {
  readonly method: keyof PaymentApi;
  readonly args: readonly unknown[];
}

type Answer<A> = TE.TaskEither<ApiError, A>;

export interface FakeApi extends PaymentApi {
  readonly calls: Call[];
  payment: Answer<PaymentView>;
  refund: Answer<RefundView>;
  refunds: Answer<readonly RefundView[]>;
  reconciliation: Answer<ReconciliationView>;
  settlementRows: Answer<readonly Settlement[]>;
  reviews: Answer<readonly ReviewItem[]>;
  notification: Answer<{ readonly id: string }>;
  ready: Readiness;
}

export const createFakeApi = (): FakeApi => {
  const calls: Call[] = [];
  const record =
    <A>(method: keyof PaymentApi, answer: () => A) =>
    (...args: readonly unknown[]): A => {
      calls.push({ method, args });
      return answer();
    };
  const fake: FakeApi = {
    calls,
    payment: TE.right(paymentView()),
    refund: TE.right(refundView()),
    refunds: TE.right([refundView()]),
    reconciliation: TE.right(reconciliationView()),
    settlementRows: TE.right([settlement]),
    reviews: TE.right([reviewItem]),
    notification: TE.right({ id: 'EV-1' }),
    ready: { store: true, certificates: true },
    createPayment: record('createPayment', () => fake.payment),
    getPayment: record('getPayment', () => fake.payment),
    waitForPayment: record('waitForPayment', () => fake.payment),
    reversePayment: record('reversePayment', () => fake.payment),
    createRefund: record('createRefund', () => fake.refund),
    getRefund: record('getRefund', () => fake.refund),
    waitForRefund: record('waitForRefund', () => fake.refund),
    listRefunds: record('listRefunds', () => fake.refunds),
    reconcile: record('reconcile', () => fake.reconciliation),
    getReconciliation: record('getReconciliation', () => fake.reconciliation),
    settlements: record('settlements', () => fake.settlementRows),
    reviewQueue: record('reviewQueue', () => fake.reviews),
    resolvePaymentReview: record('resolvePaymentReview', () => fake.payment),
    resolveRefundReview: record('resolveRefundReview', () => fake.refund),
    receiveNotification: record('receiveNotification', () => fake.notification),
    readiness: record('readiness', () => T.of(fake.ready)),
  };
  return fake;
};

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: LogFields;
}

export const createMemoryLogger = (lines: LogLine[] = [], bound: LogFields = {}): Logger => {
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push({ level, message, fields: { ...bound, ...fields } });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createMemoryLogger(lines, { ...bound, ...fields }),
  };
};

export interface Harness {
  readonly app: FastifyInstance;
  readonly api: FakeApi;
  readonly logs: LogLine[];
}

export const createHarness = (
  options: { readonly bodyLimitBytes?: number; readonly notificationDeadlineMs?: number } = {},
): Harness => {
  const api = createFakeApi();
  const logs: LogLine[] = [];
  const app = createHttpServer({
    api,
    apiToken: TOKEN,
    logger: createMemoryLogger(logs),
    renderMetrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'wpg_up 1\n' }),
    ...options,
  });
  return { app, api, logs };
};

export const lastCall = (api: FakeApi, method: keyof PaymentApi): readonly unknown[] => {
  const call = [...api.calls].reverse().find((c) => c.method === method);
  if (call === undefined) throw new Error(`${method} was not called`);
  return call.args;
};
