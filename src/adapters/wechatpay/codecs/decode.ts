import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';

/**
 * Decoding at the edge with an error that names the field (`amount.total: expected MinorUnits,
 * got "12"`), so a bad answer from WeChat can be diagnosed from the log line alone.
 */

/** Intersection and union members show up as numeric keys; they are not part of the field's name. */
const isCombinator = (type: t.Decoder<unknown, unknown> | undefined): boolean => {
  const tag = (type as { _tag?: unknown } | undefined)?._tag;
  return tag === 'IntersectionType' || tag === 'UnionType';
};

const pathOf = (error: t.ValidationError): string =>
  error.context
    .filter((c, i) => c.key !== '' && !isCombinator(error.context[i - 1]?.type))
    .map((c) => c.key)
    .join('.');

/** The offending value as JSON; a value too deep to stringify is named, never allowed to throw. */
const quote = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? 'an array nested too deeply' : 'a value that cannot be shown';
  }
};

const describe = (error: t.ValidationError): string => {
  const path = pathOf(error);
  const last = error.context[error.context.length - 1];
  const expected = last?.type.name ?? 'value';
  const json = error.value === undefined ? 'nothing' : quote(error.value);
  const got = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${path === '' ? '(root)' : path}: expected ${expected}, got ${got}`;
};

const describeAll = (errors: t.Errors): string => {
  const seen = new Set<string>();
  const firstPerField = errors.filter((e) => !seen.has(pathOf(e)) && seen.add(pathOf(e)) !== undefined);
  return firstPerField.slice(0, 3).map(describe).join('; ');
};

export const decodeWith = <A>(codec: t.Decoder<unknown, A>, value: unknown): E.Either<string, A> => {
  // A decoded value is handed on as it is: no combinator closure per decode on the hot path.
  const decoded = codec.decode(value);
  return E.isRight(decoded) ? decoded : E.left(describeAll(decoded.left));
};

export const parseJson = (text: string): E.Either<string, unknown> => {
  // A plain try/catch: E.tryCatch would allocate two closures for every answer parsed.
  try {
    return E.right(JSON.parse(text) as unknown);
  } catch (e) {
    return E.left(`body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** For optional fields under `exactOptionalPropertyTypes`: absent stays absent, never `undefined`. */
export const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
