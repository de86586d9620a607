import { decideAppend } from '../../../../src/adapters/shared/append-decision';

const ids = (...names: string[]) => names.map((id) => ({ id }));
/** A stream holding events a, b, c at revisions 0, 1, 2. */
const abc = (revision: number): string | undefined => ['a', 'b', 'c'][revision];

describe('append decision', () => {
  it.each([
    ['any on a missing stream', undefined, 'any', { kind: 'write', firstRevision: 0 }],
    ['any on an existing stream', 2, 'any', { kind: 'write', firstRevision: 3 }],
    [
      'stream-exists on a missing stream',
      undefined,
      'stream-exists',
      { kind: 'conflict', actual: 'no-stream' },
    ],
    ['stream-exists on an existing stream', 2, 'stream-exists', { kind: 'write', firstRevision: 3 }],
    ['no-stream on a missing stream', undefined, 'no-stream', { kind: 'write', firstRevision: 0 }],
    ['the exact last revision', 2, 2, { kind: 'write', firstRevision: 3 }],
    ['a revision beyond the last', 2, 4, { kind: 'conflict', actual: 2 }],
    ['a revision on a missing stream', undefined, 0, { kind: 'conflict', actual: 'no-stream' }],
    ['a negative revision', 2, -2, { kind: 'conflict', actual: 2 }],
  ] as const)('%s', (_, last, expected, decision) => {
    expect(decideAppend(last, expected, ids('x'), abc)).toEqual(decision);
  });

  it('events already at the pinned revisions, same ids, are a retry that already succeeded', () => {
    expect(decideAppend(2, 'no-stream', ids('a', 'b'), abc)).toEqual({
      kind: 'already-written',
      lastRevision: 1,
    });
    expect(decideAppend(2, 0, ids('b', 'c'), abc)).toEqual({ kind: 'already-written', lastRevision: 2 });
  });

  it('a different id, or a batch running past the end, at taken revisions is a conflict', () => {
    expect(decideAppend(2, 0, ids('b', 'x'), abc)).toEqual({ kind: 'conflict', actual: 2 });
    expect(decideAppend(2, 1, ids('c', 'd'), abc)).toEqual({ kind: 'conflict', actual: 2 });
    expect(decideAppend(2, 1, [], abc)).toEqual({ kind: 'conflict', actual: 2 });
  });
});
