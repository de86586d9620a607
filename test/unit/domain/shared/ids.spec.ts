import * as E from 'fp-ts/Either';
import {
  AuthCodeCodec,
  MaskedAuthCodeCodec,
  OutRefundNoCodec,
  OutTradeNoCodec,
  RefundIdCodec,
  SpMchidCodec,
  StatementDateCodec,
  SubMchidCodec,
  TransactionIdCodec,
  maskAuthCode,
  orderStreamId,
  reconciliationStreamId,
  refundStreamId,
  streamCategory,
} from '../../../../src/domain';
import { authCode, outTradeNo, spMchid, subMchid, valid } from './examples';

const outRefundNoOf = (s: string) => valid(OutRefundNoCodec, s);

const accepts = (codec: { decode: (u: unknown) => E.Either<unknown, unknown> }, value: unknown) =>
  E.isRight(codec.decode(value));

describe('Identifiers: codecs enforce the API formats (reference §5)', () => {
  it.each([
    [SpMchidCodec, ['1', '1900000100', '9'.repeat(32)], ['', '9'.repeat(33), '19000a', ' 1900', 1900000100]],
    [SubMchidCodec, ['1900000109'], ['', 'abc', '1900:0109']],
    [
      OutTradeNoCodec,
      ['A', 'ORDER-2026_03|02*@x', 'x'.repeat(32)],
      ['', 'x'.repeat(33), 'has space', 'a:b', 'ünï', 'a/b'],
    ],
    [
      OutRefundNoCodec,
      ['R', 'refund_1-2|3*4@5', 'r'.repeat(64)],
      ['', 'r'.repeat(65), 'a:b', 'a b', 'a.b', 'a#b'],
    ],
    [TransactionIdCodec, ['4200000001202603020000000001', 'a'.repeat(32)], ['', 'a'.repeat(33), '4200-01']],
    [RefundIdCodec, ['50300000012026030200000000001', 'a'.repeat(64)], ['', 'a'.repeat(65), '5030_1']],
    [
      AuthCodeCodec,
      ['134567890123451234', '160000000000000000'],
      ['13456789012345123', '1345678901234512345', '13456789012345123a', ''],
    ],
    [
      MaskedAuthCodeCodec,
      ['134567********1234'],
      ['134567890123451234', '134567*******1234', '******************'],
    ],
    [StatementDateCodec, ['20260302', '20261231'], ['2026-03-02', '20261301', '20260230x', '20260100']],
  ] as const)('%s accepts the API format and refuses the rest', (codec, good, bad) => {
    for (const value of good) expect([value, accepts(codec, value)]).toEqual([value, true]);
    for (const value of bad) expect([value, accepts(codec, value)]).toEqual([value, false]);
  });

  it('a refused identifier names its codec in the error', () => {
    const result = OutRefundNoCodec.decode('bad number');
    expect(E.isLeft(result) && result.left[0]?.context.at(-1)?.type.name).toBe('OutRefundNo');
  });
});

describe('Auth code masking', () => {
  it('shows the first 6 and last 4 digits only', () => {
    expect(maskAuthCode(authCode)).toBe('134567********1234');
    expect(accepts(MaskedAuthCodeCodec, maskAuthCode(authCode))).toBe(true);
  });

  it('never shows the middle 8 digits of a code', () => {
    expect(maskAuthCode(authCode)).not.toContain(authCode.slice(6, 14));
  });

  it.each(['', '1234', '1345678901', '13456789012', '13456789012345123'])(
    'hides a malformed code %p entirely, so an error message cannot show most of it',
    (code) => {
      expect(maskAuthCode(code)).toBe('*'.repeat(code.length));
    },
  );

  it('keeps at least 8 characters hidden for longer inputs', () => {
    const masked = maskAuthCode('1'.repeat(25));
    expect(masked.match(/\*/g)?.length).toBeGreaterThanOrEqual(8);
  });
});

describe('Stream names', () => {
  it('orders and refunds live in streams named by category, sub-merchant and number', () => {
    expect(orderStreamId(subMchid, outTradeNo)).toBe('order-1900000109:ORDER-20260302-0001');
    expect(refundStreamId(subMchid, outRefundNoOf('R-1'))).toBe('refund-1900000109:R-1');
  });

  it('reconciliation streams are named by institution and statement day', () => {
    const day = StatementDateCodec.decode('20260302');
    if (E.isLeft(day)) throw new Error('bad test date');
    expect(reconciliationStreamId(spMchid, day.right)).toBe('reconciliation-1900000100:20260302');
  });

  it('the category is everything before the first dash, even when the number has dashes', () => {
    expect(streamCategory(orderStreamId(subMchid, outTradeNo))).toBe('order');
    expect(streamCategory(refundStreamId(subMchid, outRefundNoOf('a-b-c')))).toBe('refund');
    expect(streamCategory('nodash')).toBe('');
  });

  it('the sub-merchant and number can be read back unambiguously: neither can contain a colon', () => {
    const id = orderStreamId(subMchid, outTradeNo);
    const [sub, number] = id.slice(id.indexOf('-') + 1).split(':');
    expect([sub, number]).toEqual([subMchid, outTradeNo]);
  });
});
