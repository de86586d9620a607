import * as t from 'io-ts';

/** Error body of every non-2xx answer (reference §1): `{code, message, detail?}`. */
export const ErrorBodyCodec = t.intersection([
  t.type({ code: t.string }),
  t.partial({ message: t.string, detail: t.unknown }),
]);
export type ErrorBody = t.TypeOf<typeof ErrorBodyCodec>;
