import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/**
 * ISO-4217 currencies WeChat Pay Global prices or settles in, with their minor-unit exponent.
 * Amounts are always integers in minor units (reference §5.1: "amount.total … minor currency unit").
 */
export const CURRENCY_EXPONENTS = {
  AUD: 2,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  IDR: 2,
  JPY: 0,
  KRW: 0,
  MOP: 2,
  MYR: 2,
  NOK: 2,
  NZD: 2,
  PHP: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TWD: 2,
  USD: 2,
  VND: 0,
} as const;

export type Currency = keyof typeof CURRENCY_EXPONENTS;

export const CurrencyCodec = t.keyof(CURRENCY_EXPONENTS, 'Currency');

/** A non-negative safe integer: an amount in minor units. */
export interface MinorUnitsBrand {
  readonly MinorUnits: unique symbol;
}
export const MinorUnitsCodec = t.brand(
  t.number,
  (n): n is t.Branded<number, MinorUnitsBrand> => Number.isSafeInteger(n) && n >= 0,
  'MinorUnits',
);
export type MinorUnits = t.TypeOf<typeof MinorUnitsCodec>;

export const MoneyCodec = t.readonly(t.type({ amount: MinorUnitsCodec, currency: CurrencyCodec }, 'Money'));
export type Money = t.TypeOf<typeof MoneyCodec>;

export type MoneyError =
  | { readonly _tag: 'CurrencyMismatch'; readonly left: Currency; readonly right: Currency }
  | { readonly _tag: 'InvalidAmount'; readonly amount: unknown }
  | { readonly _tag: 'UnknownCurrency'; readonly currency: unknown }
  | { readonly _tag: 'NegativeResult'; readonly left: Money; readonly right: Money };

export const money = (amount: unknown, currency: unknown): E.Either<MoneyError, Money> => {
  if (!CurrencyCodec.is(currency)) return E.left({ _tag: 'UnknownCurrency', currency });
  if (!MinorUnitsCodec.is(amount)) return E.left({ _tag: 'InvalidAmount', amount });
  return E.right({ amount, currency });
};

/** For constants known to be valid (tests, defaults); a bad value here is a bug. */
export const unsafeMoney = (amount: number, currency: Currency): Money => {
  const m = money(amount, currency);
  if (E.isLeft(m)) throw new Error(`invalid money constant: ${JSON.stringify(m.left)}`);
  return m.right;
};

export const zero = (currency: Currency): Money => ({ amount: 0 as MinorUnits, currency });

const sameCurrency = (a: Money, b: Money): E.Either<MoneyError, Currency> =>
  a.currency === b.currency
    ? E.right(a.currency)
    : E.left({ _tag: 'CurrencyMismatch', left: a.currency, right: b.currency });

export const add = (a: Money, b: Money): E.Either<MoneyError, Money> =>
  E.chain((currency: Currency) => money(a.amount + b.amount, currency))(sameCurrency(a, b));

export const subtract = (a: Money, b: Money): E.Either<MoneyError, Money> =>
  E.chain((currency: Currency) =>
    a.amount >= b.amount
      ? money(a.amount - b.amount, currency)
      : E.left<MoneyError, Money>({ _tag: 'NegativeResult', left: a, right: b }),
  )(sameCurrency(a, b));

/** -1, 0 or 1; mixing currencies is an error, never a silent comparison. */
export const compare = (a: Money, b: Money): E.Either<MoneyError, -1 | 0 | 1> =>
  E.map(() => (a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0) as -1 | 0 | 1)(sameCurrency(a, b));

export const equals = (a: Money, b: Money): boolean => a.currency === b.currency && a.amount === b.amount;

/** Sums in one currency; an empty list is zero of the given currency. */
export const sum = (currency: Currency, items: readonly Money[]): E.Either<MoneyError, Money> =>
  items.reduce<E.Either<MoneyError, Money>>(
    (acc, m) => E.chain((s: Money) => add(s, m))(acc),
    E.right(zero(currency)),
  );

/** "12.34 HKD" for people; never used for arithmetic. */
export const format = (m: Money): string => {
  const exp = CURRENCY_EXPONENTS[m.currency];
  if (exp === 0) return `${m.amount} ${m.currency}`;
  const s = String(m.amount).padStart(exp + 1, '0');
  return `${s.slice(0, -exp)}.${s.slice(-exp)} ${m.currency}`;
};
