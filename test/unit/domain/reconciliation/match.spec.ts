import * as E from 'fp-ts/Either';
import {
  ReconciliationRecorded,
  countLines,
  gmt8DateOf,
  matchStatement,
  type OurPayment,
  type OurRefund,
  type StatementLine,
} from '../../../../src/domain/reconciliation';

const SUB = '1900000109';

const paymentRow = (overrides: Partial<StatementLine> = {}): StatementLine => ({
  subMchid: SUB,
  transactionId: '4200000001',
  outTradeNo: 'T1',
  tradeState: 'SUCCESS',
  refundId: '',
  outRefundNo: '',
  refundType: '',
  refundStatus: '',
  currency: 'HKD',
  orderAmount: 10_000,
  refundAmount: 0,
  ...overrides,
});

const refundRow = (overrides: Partial<StatementLine> = {}): StatementLine =>
  paymentRow({
    tradeState: 'REFUND',
    refundId: '5030000001',
    outRefundNo: 'R1',
    refundType: 'ORIGINAL',
    refundStatus: 'SUCCESS',
    orderAmount: 0,
    refundAmount: 3_000,
    ...overrides,
  });

const ourPayment = (overrides: Partial<OurPayment> = {}): OurPayment => ({
  subMchid: SUB,
  outTradeNo: 'T1',
  transactionId: '4200000001',
  status: 'SUCCEEDED',
  amount: { amount: 10_000, currency: 'HKD' },
  paidAmount: { amount: 10_000, currency: 'HKD' },
  wasPaid: true,
  ...overrides,
});

const ourRefund = (overrides: Partial<OurRefund> = {}): OurRefund => ({
  subMchid: SUB,
  outTradeNo: 'T1',
  outRefundNo: 'R1',
  refundId: '5030000001',
  transactionId: '4200000001',
  status: 'SUCCEEDED',
  amount: { amount: 3_000, currency: 'HKD' },
  ...overrides,
});

const classes = (lines: ReturnType<typeof matchStatement>) => lines.map((l) => l.classification);

describe('matchStatement: payments', () => {
  it('matches a payment row to our payment by transaction id', () => {
    const lines = matchStatement([paymentRow({ outTradeNo: 'renamed' })], {
      payments: [ourPayment()],
      refunds: [],
    });
    expect(lines).toEqual([
      {
        kind: 'payment',
        classification: 'matched',
        subMchid: SUB,
        outTradeNo: 'renamed',
        transactionId: '4200000001',
        ours: { amount: 10_000, currency: 'HKD', status: 'SUCCEEDED' },
        theirs: { amount: 10_000, currency: 'HKD', status: 'SUCCESS' },
      },
    ]);
  });

  it('falls back to out_trade_no when we never learned the transaction id', () => {
    const { transactionId: _none, ...withoutId } = ourPayment();
    expect(classes(matchStatement([paymentRow()], { payments: [withoutId], refunds: [] }))).toEqual([
      'matched',
    ]);
  });

  it('reports a different amount, or the same amount in another currency, as an amount mismatch', () => {
    expect(
      classes(
        matchStatement([paymentRow({ orderAmount: 9_999 })], { payments: [ourPayment()], refunds: [] }),
      ),
    ).toEqual(['amount_mismatch']);
    expect(
      classes(matchStatement([paymentRow({ currency: 'USD' })], { payments: [ourPayment()], refunds: [] })),
    ).toEqual(['amount_mismatch']);
  });

  it('reports a payment WeChat took that we hold in review as a status mismatch', () => {
    const lines = matchStatement([paymentRow()], {
      payments: [ourPayment({ status: 'NEEDS_REVIEW' })],
      refunds: [],
    });
    expect(lines[0]).toMatchObject({ classification: 'status_mismatch', ours: { status: 'NEEDS_REVIEW' } });
  });

  it('reports a row we have no record of as missing here, and our record without a row as missing at WeChat', () => {
    const lines = matchStatement([paymentRow({ transactionId: '4200000099', outTradeNo: 'T99' })], {
      payments: [ourPayment()],
      refunds: [],
    });
    expect(lines).toEqual([
      expect.objectContaining({
        classification: 'missing_here',
        outTradeNo: 'T99',
        transactionId: '4200000099',
      }),
      expect.objectContaining({
        classification: 'missing_at_wechat',
        outTradeNo: 'T1',
        ours: expect.anything(),
      }),
    ]);
    expect(lines[1]).not.toHaveProperty('theirs');
  });

  it('keeps sub-merchants apart: the same number under another sub-merchant is not ours', () => {
    const lines = matchStatement([paymentRow({ subMchid: '1900000222' })], {
      payments: [ourPayment()],
      refunds: [],
    });
    expect(classes(lines)).toEqual(['missing_here', 'missing_at_wechat']);
  });

  it('matches a paid order we reversed: its payment row and the REVOKED refund row the reverse made', () => {
    // Paid while we were reversing it: WeChat reported it paid, but it never succeeded on our side.
    const { paidAmount: _never, ...reversed } = ourPayment({ status: 'REVERSED', wasPaid: true });
    const reversal = refundRow({
      refundId: '',
      outRefundNo: '',
      refundType: 'REVOKED',
      refundAmount: 10_000,
    });
    const lines = matchStatement([paymentRow(), reversal], { payments: [reversed], refunds: [] });
    expect(lines).toEqual([
      expect.objectContaining({ kind: 'payment', classification: 'matched' }),
      expect.objectContaining({
        kind: 'refund',
        classification: 'matched',
        theirs: { amount: 10_000, currency: 'HKD', status: 'REVOKED' },
      }),
    ]);
  });

  it('does not accept a payment row for an order we reversed before it was ever paid', () => {
    const lines = matchStatement([paymentRow()], {
      payments: [ourPayment({ status: 'REVERSED', wasPaid: false })],
      refunds: [],
    });
    expect(classes(lines)).toEqual(['status_mismatch']);
  });
});

describe('matchStatement: refunds', () => {
  it('matches by refund id, else by out_refund_no', () => {
    expect(
      classes(
        matchStatement([refundRow({ outRefundNo: 'other' })], { payments: [], refunds: [ourRefund()] }),
      ),
    ).toEqual(['matched']);
    const { refundId: _none, ...withoutId } = ourRefund();
    expect(classes(matchStatement([refundRow()], { payments: [], refunds: [withoutId] }))).toEqual([
      'matched',
    ]);
  });

  it('reads REFUNDCLOSE and CLOSED as the same closed refund', () => {
    for (const refundStatus of ['REFUNDCLOSE', 'CLOSED']) {
      const lines = matchStatement([refundRow({ refundStatus })], {
        payments: [],
        refunds: [ourRefund({ status: 'CLOSED' })],
      });
      expect(classes(lines)).toEqual(['matched']);
    }
  });

  it('classifies a refund WeChat paid that we still see processing as a status mismatch', () => {
    const lines = matchStatement([refundRow()], {
      payments: [],
      refunds: [ourRefund({ status: 'PROCESSING' })],
    });
    expect(lines[0]).toMatchObject({
      kind: 'refund',
      classification: 'status_mismatch',
      outRefundNo: 'R1',
      refundId: '5030000001',
      ours: { status: 'PROCESSING' },
      theirs: { status: 'SUCCESS' },
    });
  });

  it('classifies an unknown refund row as missing here and our unlisted refund as missing at WeChat', () => {
    const lines = matchStatement([refundRow({ refundId: '5030000099', outRefundNo: 'R99' })], {
      payments: [],
      refunds: [ourRefund({ amount: { amount: 1, currency: 'HKD' } })],
    });
    expect(classes(lines)).toEqual(['missing_here', 'missing_at_wechat']);
    expect(countLines(lines)).toEqual({
      matched: 0,
      amount_mismatch: 0,
      status_mismatch: 0,
      missing_here: 1,
      missing_at_wechat: 1,
    });
  });
});

describe('gmt8DateOf', () => {
  it('gives the GMT+8 calendar day, whatever offset the time carries', () => {
    expect(gmt8DateOf('2026-03-02T15:59:59.000Z')).toBe('20260302');
    expect(gmt8DateOf('2026-03-02T16:00:00.000Z')).toBe('20260303');
    expect(gmt8DateOf('2026-03-02T23:59:59+08:00')).toBe('20260302');
    expect(gmt8DateOf('not a time')).toBeUndefined();
  });
});

describe('ReconciliationRecorded codec', () => {
  const data = {
    spMchid: '1900000100',
    date: '20260302',
    statementSha1: 'a'.repeat(40),
    reconciledAt: '2026-03-03T02:00:00.000Z',
    counts: { matched: 1, amount_mismatch: 0, status_mismatch: 0, missing_here: 0, missing_at_wechat: 0 },
    lines: [{ kind: 'payment', classification: 'matched', subMchid: SUB, outTradeNo: 'T1', extra: 'kept' }],
  };

  it('decodes a recorded run, tolerating extra fields', () => {
    expect(E.isRight(ReconciliationRecorded.codec.decode({ type: 'ReconciliationRecorded', data }))).toBe(
      true,
    );
  });

  it('refuses a run without its date, naming the field', () => {
    const { date: _missing, ...rest } = data;
    const decoded = ReconciliationRecorded.codec.decode({ type: 'ReconciliationRecorded', data: rest });
    expect(E.isLeft(decoded) && decoded.left.some((e) => e.context.some((c) => c.key === 'date'))).toBe(true);
  });
});
