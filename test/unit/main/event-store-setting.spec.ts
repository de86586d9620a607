import * as E from 'fp-ts/Either';
import { join } from 'node:path';
import { parseEventStoreSetting } from '../../../src/main/event-store-setting';

describe('WPG_EVENT_STORE', () => {
  it('defaults to SQLite in the data directory', () => {
    expect(parseEventStoreSetting(undefined, 'data')).toEqual(
      E.right({ kind: 'sqlite', path: join('data', 'events.db') }),
    );
  });

  it('takes a SQLite path as given, relative or not', () => {
    expect(parseEventStoreSetting('sqlite:./var/wpg.db', 'data')).toEqual(
      E.right({ kind: 'sqlite', path: './var/wpg.db' }),
    );
    expect(parseEventStoreSetting('sqlite:/srv/wpg/events.db', 'data')).toEqual(
      E.right({ kind: 'sqlite', path: '/srv/wpg/events.db' }),
    );
  });

  it('passes EventStoreDB connection strings through whole, discover or not', () => {
    const cluster = 'esdb+discover://admin:changeit@cluster.example:2113?tls=true&nodePreference=leader';
    expect(parseEventStoreSetting(cluster, 'data')).toEqual(
      E.right({ kind: 'esdb', connectionString: cluster }),
    );
    const single = 'esdb://127.0.0.1:2113?tls=false';
    expect(parseEventStoreSetting(single, 'data')).toEqual(
      E.right({ kind: 'esdb', connectionString: single }),
    );
  });

  it('passes PostgreSQL connection strings through whole, in either scheme', () => {
    for (const url of [
      'postgresql://wpg:secret@db.internal:5432/payments?sslmode=require',
      'postgres://db/events',
    ])
      expect(parseEventStoreSetting(url, 'data')).toEqual(
        E.right({ kind: 'postgresql', connectionString: url }),
      );
  });

  it('accepts memory', () => {
    expect(parseEventStoreSetting('memory', 'data')).toEqual(E.right({ kind: 'memory' }));
  });

  it.each([
    ['postgresql:', 'not a store it knows'],
    ['postgresql://', 'not a store it knows'],
    ['sqlite:', 'without a path'],
    ['', 'empty'],
    ['esdb://', 'not a store it knows'],
    ['Memory', 'not a store it knows'],
  ])('refuses %p with a message naming the setting and the accepted forms', (value, why) => {
    const result = parseEventStoreSetting(value, 'data');
    expect(E.isLeft(result)).toBe(true);
    const message = E.isLeft(result) ? result.left : '';
    expect(message).toContain('WPG_EVENT_STORE');
    expect(message).toContain(why);
    expect(message).toContain('sqlite:<path>');
    expect(message).toContain('esdb://');
    expect(message).toContain('postgresql://');
    expect(message).toContain('memory');
  });

  it('never repeats credentials from a refused connection string', () => {
    const result = parseEventStoreSetting('esbd://admin:s3cret@host:2113', 'data');
    expect(E.isLeft(result) && result.left).toContain('//***@host');
    expect(E.isLeft(result) && result.left).not.toContain('s3cret');
  });
});
