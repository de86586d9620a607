import * as E from 'fp-ts/Either';
import { CURRENCY_EXPONENTS, CurrencyCodec } from '../../domain/shared/money';

/**
 * Statement amounts are printed in major units (`12.34` HKD); the domain counts minor units.
 * The decimal text is converted digit by digit with the currency's exponent — never through a
 * float, which would turn `0.29` into 28.999… cents.
 */
export const parseMajorUnits = (
  text: string,
  currency: string,
  options: { readonly allowNegative: boolean },
): E.Either<string, number> => {
  if (!CurrencyCodec.is(currency)) return E.left(`unknown currency ${JSON.stringify(currency)}`);
  const exponent = CURRENCY_EXPONENTS[currency];
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(text.trim());
  if (m === null) return E.left(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign = '', whole = '', fraction = ''] = m;
  if (sign === '-' && !options.allowNegative) return E.left(`negative amount: ${JSON.stringify(text)}`);
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent)
    return E.left(`${JSON.stringify(text)} has more decimals than ${currency} allows`);
  const minor = Number(`${whole}${fraction.slice(0, exponent).padEnd(exponent, '0')}`);
  if (!Number.isSafeInteger(minor)) return E.left(`amount out of range: ${JSON.stringify(text)}`);
  return E.right(sign === '-' && minor !== 0 ? -minor : minor);
};
