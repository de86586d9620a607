import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';
import type { FieldError } from './problem';

/**
 * io-ts failures as one entry per invalid field, so a 400 names every field at once. Messages
 * describe the expected format and never echo the value: an auth code is a secret (reference §7.1).
 */

const FORMATS: Readonly<Record<string, string>> = {
  SubMchid: 'must be 1 to 32 digits',
  AppId: 'must be 1 to 32 characters of 0-9 a-z A-Z _ -',
  OutTradeNo: 'must be 1 to 32 characters of 0-9 a-z A-Z _ - | * @',
  OutRefundNo: 'must be 1 to 64 characters of 0-9 a-z A-Z _ - | * @',
  AuthCode: 'must be the 18-digit payment code',
  MinorUnits: 'must be a non-negative integer in minor units',
  PositiveMinorUnits: 'must be a positive integer in minor units',
  Currency: 'must be an ISO 4217 currency code that WeChat Pay Global supports',
  StatementDate: 'must be a date as yyyyMMdd',
  WaitSeconds: 'must be a whole number of seconds from 0 to 60',
  SettleState: 'must be SETTLED or UNSETTLE',
};

const describe = (type: t.Decoder<unknown, unknown>, value: unknown): string => {
  if (value === undefined) return 'is required';
  const tag = (type as { readonly _tag?: string })._tag;
  if (tag === 'InterfaceType' || tag === 'PartialType' || tag === 'IntersectionType')
    return 'must be an object';
  const format = FORMATS[type.name];
  if (format !== undefined) return format;
  if (type.name.startsWith('Text')) return `must be a string of ${type.name.slice(4)} characters`;
  if (type.name === 'string') return 'must be a string';
  return `must be ${type.name}`;
};

const isComposite = (type: t.Decoder<unknown, unknown>): boolean => {
  const tag = (type as { readonly _tag?: string })._tag;
  return tag === 'UnionType' || tag === 'IntersectionType';
};

const fieldOf = (context: t.Context, prefix: string): string => {
  const keys: string[] = [];
  context.forEach((entry, i) => {
    const parent = i > 0 ? context[i - 1] : undefined;
    if (entry.key === '' || (parent !== undefined && isComposite(parent.type))) return;
    keys.push(entry.key);
  });
  return [prefix, ...keys].filter((k) => k !== '').join('.');
};

export const fieldErrors = (errors: t.Errors, prefix = ''): readonly FieldError[] => {
  const byField = new Map<string, string>();
  for (const error of errors) {
    const last = error.context[error.context.length - 1];
    if (last === undefined) continue;
    const field = fieldOf(error.context, prefix) || prefix || 'body';
    // The innermost failure is the most specific; keep the first one per field.
    if (!byField.has(field)) byField.set(field, error.message ?? describe(last.type, error.value));
  }
  return [...byField].map(([field, message]) => ({ field, message }));
};

export const decodeWith =
  <A>(codec: t.Decoder<unknown, A>, prefix = '') =>
  (input: unknown): E.Either<readonly FieldError[], A> =>
    E.mapLeft((errors: t.Errors) => fieldErrors(errors, prefix))(codec.decode(input));
