/**
 * The client's errors, mapped to the port's typed errors.
 *
 * WrongExpectedVersion reaches the client in three encodings (AppendResp, BatchAppend's packed
 * Status, or an `exception` trailer; docs/event-stores.md); the client turns all three into
 * `WrongExpectedVersionError`, so one mapping covers both append paths. Everything that is not a
 * concurrency conflict or a missing stream is reported as StoreUnavailable: retryable or not, the
 * caller's only sensible move is to retry later or surface the failure.
 */
import {
  CancelledError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type ExpectedRevision,
  type StoreUnavailable,
  type StreamNotFound,
  type WrongExpectedVersion,
} from '../../ports/event-store';

export const storeUnavailable = (message: string): StoreUnavailable => ({
  _tag: 'StoreUnavailable',
  message,
});

/**
 * gRPC status codes UNAVAILABLE (14) and CANCELLED (1), as raw errors from the channel carry them.
 * Written out because `@grpc/grpc-js` is only the client's dependency, not the service's.
 */
const TRANSIENT_CODES: readonly unknown[] = [14, 1];

/**
 * Connection-level failures after which a subscription reconnects (the client rebuilds its
 * channel). Some reach us unconverted, as plain gRPC errors, e.g. when no connection was ever made.
 */
export const isTransient = (error: unknown): boolean =>
  error instanceof UnavailableError ||
  error instanceof CancelledError ||
  (error instanceof Error && 'code' in error && TRANSIENT_CODES.includes(error.code));

export const describeError = (error: unknown): string => {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`;
  return `unexpected failure: ${String(error)}`;
};

export const toWrongExpectedVersion = (
  error: unknown,
  streamId: string,
  expected: ExpectedRevision,
): WrongExpectedVersion | undefined => {
  if (!(error instanceof WrongExpectedVersionError)) return undefined;
  const actual = error.actualVersion;
  return {
    _tag: 'WrongExpectedVersion',
    streamId,
    expected,
    actual: actual === 'no_stream' ? 'no-stream' : Number(actual),
  };
};

export const toStreamNotFound = (error: unknown, streamId: string): StreamNotFound | undefined =>
  error instanceof StreamNotFoundError ? { _tag: 'StreamNotFound', streamId } : undefined;
