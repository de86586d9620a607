import * as E from 'fp-ts/Either';
import { join } from 'node:path';

export type EventStoreSetting =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'esdb'; readonly connectionString: string }
  | { readonly kind: 'postgresql'; readonly connectionString: string }
  | { readonly kind: 'memory' };

const ACCEPTED =
  'sqlite:<path> (the default, sqlite:<data dir>/events.db), esdb://host:port[,host:port][?options], ' +
  'esdb+discover://host:port[?options], postgresql://user:password@host:port/database[?options] ' +
  '(or postgres://…), or memory';

/** Connection strings may carry credentials (`esdb://user:password@host`); an error never repeats them. */
const redacted = (value: string): string => value.replace(/\/\/[^/@]*@/g, '//***@');

const invalid = (why: string): E.Either<string, never> =>
  E.left(`WPG_EVENT_STORE ${why}; accepted: ${ACCEPTED}`);

/** Reads WPG_EVENT_STORE, choosing the event store at start; a bad value stops the start with this message. */
export const parseEventStoreSetting = (
  value: string | undefined,
  dataDir: string,
): E.Either<string, EventStoreSetting> => {
  if (value === undefined) return E.right({ kind: 'sqlite', path: join(dataDir, 'events.db') });
  if (value === 'memory') return E.right({ kind: 'memory' });
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    return path.trim() === '' ? invalid('is "sqlite:" without a path') : E.right({ kind: 'sqlite', path });
  }
  const esdb = /^esdb(\+discover)?:\/\/(.+)$/.exec(value);
  if (esdb !== null) return E.right({ kind: 'esdb', connectionString: value });
  if (/^postgres(ql)?:\/\/.+/.test(value)) return E.right({ kind: 'postgresql', connectionString: value });
  if (value.trim() === '') return invalid('is set but empty');
  return invalid(`is "${redacted(value)}", which is not a store it knows`);
};
