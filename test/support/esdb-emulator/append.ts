/**
 * `Streams/Append` (client stream) and `Streams/BatchAppend` (one shared, long-lived bidi stream).
 *
 * The two paths encode the same outcome differently (reference "Trickiest parts" 1-3):
 * - Append answers with an `AppendResp` oneof and uses `event_store.client.Empty`;
 * - BatchAppend answers per `correlation_id` with `success` or a `google.rpc.Status` whose details
 *   pack `event_store.client.WrongExpectedVersion`, and uses `google.protobuf.Empty`.
 * Errors go in-band: a bare gRPC error without an `exception` trailer becomes the client's UnknownError.
 */
import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
} from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as GoogleEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import * as shared from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import * as streams from '@eventstore/db-client/generated/streams_pb';
import { type AppendOutcome, type Expected, type InMemoryLog, type ProposedEvent } from './log';
import { streamNameOf, uuidToString } from './wire';

type ProposedMessage = streams.AppendReq.ProposedMessage | streams.BatchAppendReq.ProposedMessage;

const proposed = (message: ProposedMessage): ProposedEvent => ({
  id: uuidToString(message.getId()),
  type: message.getMetadataMap().get('type') ?? '',
  contentType: message.getMetadataMap().get('content-type') ?? 'application/octet-stream',
  data: message.getData_asU8(),
  customMetadata: message.getCustomMetadata_asU8(),
});

const AppendCase = streams.AppendReq.Options.ExpectedStreamRevisionCase;

const appendExpected = (options: streams.AppendReq.Options): Expected | undefined => {
  switch (options.getExpectedStreamRevisionCase()) {
    case AppendCase.REVISION:
      return { kind: 'revision', revision: BigInt(options.getRevision()) };
    case AppendCase.NO_STREAM:
      return { kind: 'no_stream' };
    case AppendCase.ANY:
      return { kind: 'any' };
    case AppendCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return undefined;
  }
};

const appendResponse = (outcome: AppendOutcome): streams.AppendResp => {
  if (outcome.ok) {
    const success = new streams.AppendResp.Success();
    if (outcome.currentRevision === undefined) success.setNoStream(new shared.Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === undefined) success.setNoPosition(new shared.Empty());
    else {
      const p = outcome.position.toString();
      success.setPosition(new streams.AppendResp.Position().setCommitPosition(p).setPreparePosition(p));
    }
    return new streams.AppendResp().setSuccess(success);
  }
  const wrong = new streams.AppendResp.WrongExpectedVersion();
  if (outcome.current === 'no_stream') wrong.setCurrentNoStream(new shared.Empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  const { expected } = outcome;
  if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString());
  else if (expected.kind === 'any') wrong.setExpectedAny(new shared.Empty());
  else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new shared.Empty());
  else wrong.setExpectedNoStream(new shared.Empty());
  return new streams.AppendResp().setWrongExpectedVersion(wrong);
};

export const appendHandler =
  (log: InMemoryLog) =>
  (
    call: ServerReadableStream<streams.AppendReq, streams.AppendResp>,
    callback: sendUnaryData<streams.AppendResp>,
  ): void => {
    let options: streams.AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    call.on('data', (request: streams.AppendReq) => {
      const header = request.getOptions();
      const message = request.getProposedMessage();
      if (header !== undefined) options = header;
      else if (message !== undefined) events.push(proposed(message));
    });
    call.on('end', () => {
      const expected = options === undefined ? undefined : appendExpected(options);
      if (options === undefined || expected === undefined) {
        callback({
          code: status.INVALID_ARGUMENT,
          details: 'append options with an expected revision come first',
        });
        return;
      }
      callback(
        null,
        appendResponse(log.append(streamNameOf(options.getStreamIdentifier()), events, expected)),
      );
    });
  };

const BatchCase = streams.BatchAppendReq.Options.ExpectedStreamPositionCase;

const batchExpected = (options: streams.BatchAppendReq.Options): Expected | undefined => {
  switch (options.getExpectedStreamPositionCase()) {
    case BatchCase.STREAM_POSITION:
      return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
    case BatchCase.NO_STREAM:
      return { kind: 'no_stream' };
    case BatchCase.ANY:
      return { kind: 'any' };
    case BatchCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return undefined;
  }
};

const wrongExpectedVersionStatus = (current: bigint | 'no_stream', expected: Expected): Status => {
  const details = new shared.WrongExpectedVersion();
  if (current === 'no_stream') details.setCurrentNoStream(new GoogleEmpty());
  else details.setCurrentStreamRevision(current.toString());
  if (expected.kind === 'revision') details.setExpectedStreamPosition(expected.revision.toString());
  else if (expected.kind === 'any') details.setExpectedAny(new GoogleEmpty());
  else if (expected.kind === 'stream_exists') details.setExpectedStreamExists(new GoogleEmpty());
  else details.setExpectedNoStream(new GoogleEmpty());
  const any = new Any();
  // The type name must be exactly this: the client unpacks by name (unpackError.js).
  any.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  return new Status().setCode(Code.FAILED_PRECONDITION).setMessage('WrongExpectedVersion').setDetails(any);
};

const batchResponse = (request: Pending, outcome: AppendOutcome | undefined): streams.BatchAppendResp => {
  const response = new streams.BatchAppendResp().setCorrelationId(request.correlationId);
  const options = request.options;
  if (options !== undefined) {
    const identifier = options.getStreamIdentifier();
    if (identifier !== undefined) response.setStreamIdentifier(identifier);
    if (options.hasStreamPosition()) response.setStreamPosition(options.getStreamPosition());
    else if (options.hasNoStream()) response.setNoStream(new GoogleEmpty());
    else if (options.hasStreamExists()) response.setStreamExists(new GoogleEmpty());
    else response.setAny(new GoogleEmpty());
  }
  if (outcome === undefined) {
    const unknown = new Any();
    unknown.pack(
      new shared.BadRequest().setMessage('missing options').serializeBinary(),
      'event_store.client.BadRequest',
    );
    return response.setError(
      new Status().setCode(Code.INVALID_ARGUMENT).setMessage('missing options').setDetails(unknown),
    );
  }
  if (!outcome.ok) return response.setError(wrongExpectedVersionStatus(outcome.current, outcome.expected));
  const success = new streams.BatchAppendResp.Success();
  if (outcome.currentRevision === undefined) success.setNoStream(new GoogleEmpty());
  else success.setCurrentRevision(outcome.currentRevision.toString());
  if (outcome.position === undefined) success.setNoPosition(new GoogleEmpty());
  else {
    const p = outcome.position.toString();
    success.setPosition(new shared.AllStreamPosition().setCommitPosition(p).setPreparePosition(p));
  }
  return response.setSuccess(success);
};

interface Pending {
  readonly correlationId: shared.UUID;
  options: streams.BatchAppendReq.Options | undefined;
  readonly events: ProposedEvent[];
}

/** Requests are buffered by correlation id until `is_final`: one append may span several (3 MiB) chunks. */
export const batchAppendHandler =
  (log: InMemoryLog) =>
  (call: ServerDuplexStream<streams.BatchAppendReq, streams.BatchAppendResp>): void => {
    const pending = new Map<string, Pending>();
    call.on('data', (request: streams.BatchAppendReq) => {
      const correlationId = request.getCorrelationId() ?? new shared.UUID();
      const key = uuidToString(correlationId);
      const entry = pending.get(key) ?? { correlationId, options: undefined, events: [] };
      pending.set(key, entry);
      entry.options = request.getOptions() ?? entry.options;
      entry.events.push(...request.getProposedMessagesList().map(proposed));
      if (!request.getIsFinal()) return;
      pending.delete(key);
      const expected = entry.options === undefined ? undefined : batchExpected(entry.options);
      const outcome =
        entry.options === undefined || expected === undefined
          ? undefined
          : log.append(streamNameOf(entry.options.getStreamIdentifier()), entry.events, expected);
      call.write(batchResponse(entry, outcome));
    });
    call.on('end', () => call.end());
  };
