import * as E from 'fp-ts/Either';
import { type ResolvedEvent } from '@eventstore/db-client';
import {
  decodeRecord,
  isSystemRecord,
  toEventData,
  toExpectedRevision,
  toSafeNumber,
  withDefaultAppendFailureMode,
} from '../../../../src/adapters/eventstoredb/codec';
import { backoffDelay } from '../../../../src/adapters/eventstoredb/subscription';
import { anEvent } from './helpers';

describe('EventStoreDB codec', () => {
  it('maps expected revisions to the client constants, and an exact revision to the same bigint', () => {
    expect(toExpectedRevision('no-stream')).toBe('no_stream');
    expect(toExpectedRevision('stream-exists')).toBe('stream_exists');
    expect(toExpectedRevision('any')).toBe('any');
    expect(toExpectedRevision(41)).toBe(41n);
  });

  it('keeps the caller-supplied id and adds $correlationId/$causationId to the custom metadata', () => {
    const event = anEvent('cmd-1', 'OrderSubmitted');
    expect(toEventData(event)).toEqual({
      id: event.id,
      contentType: 'application/json',
      type: 'OrderSubmitted',
      data: event.data,
      metadata: { ...event.metadata, $correlationId: 'corr-cmd-1', $causationId: 'cause-cmd-1' },
    });
  });

  it('treats a `$` type or a `$` stream as a system record', () => {
    expect(isSystemRecord('$stats-1', 'StatsCollected')).toBe(true);
    expect(isSystemRecord('order-1', '$metadata')).toBe(true);
    expect(isSystemRecord('order-1', 'OrderSubmitted')).toBe(false);
  });

  it('refuses a revision or position beyond the safe integer range instead of rounding it', () => {
    expect(toSafeNumber(2n ** 53n + 1n, 'position')).toEqual(
      E.left(expect.stringContaining('position 9007199254740993')),
    );
    expect(toSafeNumber(2n ** 40n, 'position')).toEqual(E.right(2 ** 40));
  });

  const record = (metadata: unknown): ResolvedEvent =>
    ({
      event: {
        streamId: 'order-1',
        id: 'id-1',
        revision: 0n,
        type: 'OrderSubmitted',
        isJson: true,
        data: { a: 1 },
        metadata,
        created: new Date(0),
        position: { commit: 10n, prepare: 10n },
      },
    }) as ResolvedEvent;

  it('decodes a record written by the adapter, ignoring extra metadata fields', () => {
    const { metadata } = anEvent('x');
    expect(decodeRecord(record({ ...metadata, $correlationId: 'c' }))).toEqual(
      E.right({
        streamId: 'order-1',
        revision: 0,
        position: 10,
        id: 'id-1',
        type: 'OrderSubmitted',
        data: { a: 1 },
        metadata,
      }),
    );
  });

  it('names the missing metadata field of a record written by another tool', () => {
    const { actor: _actor, ...withoutActor } = anEvent('x').metadata;
    expect(decodeRecord(record(withoutActor))).toEqual(
      E.left(expect.stringContaining('field metadata.actor')),
    );
  });

  it('drops throwOnAppendFailure from a connection string, keeping every other setting', () => {
    expect(withDefaultAppendFailureMode('esdb://h:2113?throwOnAppendFailure=false')).toBe('esdb://h:2113');
    expect(withDefaultAppendFailureMode('esdb://h:2113?ThrowOnAppendFailure=false&tls=false')).toBe(
      'esdb://h:2113?tls=false',
    );
    expect(
      withDefaultAppendFailureMode(
        'esdb+discover://a:b@h:2113?tls=true&throwOnAppendFailure=false&nodePreference=leader',
      ),
    ).toBe('esdb+discover://a:b@h:2113?tls=true&nodePreference=leader');
    expect(withDefaultAppendFailureMode('esdb://h:2113')).toBe('esdb://h:2113');
  });

  it('backs off exponentially, bounded by the maximum delay', () => {
    const policy = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});
