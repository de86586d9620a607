import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import {
  CURRENCY_EXPONENTS,
  MoneyCodec,
  add,
  compare,
  equals,
  format,
  money,
  subtract,
  sum,
  unsafeMoney,
  zero,
  type Money,
} from '../../../../src/domain';
import { currencyArb } from '../../../support/arbitraries';

const hkd = (n: number) => unsafeMoney(n, 'HKD');
const usd = (n: number) => unsafeMoney(n, 'USD');
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`unexpected ${JSON.stringify(e.left)}`);
  return e.right;
};

describe('Money', () => {
  it('is an integer number of minor units in an ISO-4217 currency', () => {
    expect(money(1234, 'HKD')).toEqual(E.right({ amount: 1234, currency: 'HKD' }));
  });

  it.each([
    ['a float', 12.5],
    ['a negative amount', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['a numeric string', '100'],
  ])('refuses %s as an amount', (_name, amount) => {
    expect(money(amount, 'HKD')).toEqual(E.left({ _tag: 'InvalidAmount', amount }));
  });

  it.each(['hkd', 'XXX', '', 840])('refuses %p as a currency', (currency) => {
    expect(money(1, currency)).toEqual(E.left({ _tag: 'UnknownCurrency', currency }));
  });

  it('a bad constant is a bug, and throws', () => {
    expect(() => unsafeMoney(0.1, 'HKD')).toThrow(/invalid money constant/);
  });

  it('decodes from the wire only as integer minor units, naming the bad field', () => {
    expect(E.isRight(MoneyCodec.decode({ amount: 100, currency: 'JPY' }))).toBe(true);
    const bad = MoneyCodec.decode({ amount: 1.5, currency: 'HKD' });
    expect(E.isLeft(bad) && bad.left.some((e) => e.context.some((c) => c.key === 'amount'))).toBe(true);
    const badCurrency = MoneyCodec.decode({ amount: 1, currency: 'hkd' });
    expect(
      E.isLeft(badCurrency) && badCurrency.left.some((e) => e.context.some((c) => c.key === 'currency')),
    ).toBe(true);
  });

  it('adds and subtracts within one currency', () => {
    expect(add(hkd(150), hkd(250))).toEqual(E.right(hkd(400)));
    expect(subtract(hkd(400), hkd(150))).toEqual(E.right(hkd(250)));
  });

  it('mixing currencies is a typed error, never a silent sum', () => {
    expect(add(hkd(1), usd(1))).toEqual(E.left({ _tag: 'CurrencyMismatch', left: 'HKD', right: 'USD' }));
    expect(subtract(hkd(1), usd(1))).toEqual(E.left({ _tag: 'CurrencyMismatch', left: 'HKD', right: 'USD' }));
    expect(compare(hkd(1), usd(1))).toEqual(E.left({ _tag: 'CurrencyMismatch', left: 'HKD', right: 'USD' }));
    expect(sum('HKD', [hkd(1), usd(1)])).toEqual(
      E.left({ _tag: 'CurrencyMismatch', left: 'HKD', right: 'USD' }),
    );
  });

  it('subtracting more than there is is a typed error, not a negative amount', () => {
    expect(subtract(hkd(1), hkd(2))).toEqual(E.left({ _tag: 'NegativeResult', left: hkd(1), right: hkd(2) }));
  });

  it('a sum beyond the safe integers is refused rather than rounded', () => {
    const big = hkd(Number.MAX_SAFE_INTEGER);
    expect(E.isLeft(add(big, hkd(1)))).toBe(true);
  });

  it('compares within one currency', () => {
    expect(compare(hkd(1), hkd(2))).toEqual(E.right(-1));
    expect(compare(hkd(2), hkd(2))).toEqual(E.right(0));
    expect(compare(hkd(3), hkd(2))).toEqual(E.right(1));
  });

  it('equal means same amount and same currency', () => {
    expect(equals(hkd(100), hkd(100))).toBe(true);
    expect(equals(hkd(100), usd(100))).toBe(false);
    expect(equals(hkd(100), hkd(101))).toBe(false);
  });

  it('the sum of nothing is zero in the given currency', () => {
    expect(sum('JPY', [])).toEqual(E.right(zero('JPY')));
  });

  it('formats for people by the currency exponent (JPY and KRW have no minor unit)', () => {
    expect(format(hkd(1234))).toBe('12.34 HKD');
    expect(format(hkd(5))).toBe('0.05 HKD');
    expect(format(hkd(0))).toBe('0.00 HKD');
    expect(format(unsafeMoney(1234, 'JPY'))).toBe('1234 JPY');
    expect(format(unsafeMoney(7, 'KRW'))).toBe('7 KRW');
  });

  it('every known currency has an exponent of 0 or 2', () => {
    expect(Object.values(CURRENCY_EXPONENTS).every((e) => e === 0 || e === 2)).toBe(true);
  });

  it('addition is exact: a + b − b = a, for any amounts in any currency (1000 runs)', () => {
    fc.assert(
      fc.property(currencyArb, fc.nat(2 ** 40), fc.nat(2 ** 40), (currency, a, b) => {
        const ma: Money = unsafeMoney(a, currency);
        const mb: Money = unsafeMoney(b, currency);
        const total = right(add(ma, mb));
        expect(Number.isInteger(total.amount)).toBe(true);
        expect(right(subtract(total, mb))).toEqual(ma);
      }),
      { numRuns: 1_000 },
    );
  });
});
