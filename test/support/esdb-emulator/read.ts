/**
 * `Streams/Read`: reads of one stream or of `$all`, and subscriptions (the same call with
 * `options.subscription` set, never closed by the server).
 *
 * Boundaries (reference "Trickiest parts" 4): a read's start revision/position is inclusive;
 * a subscription's is exclusive; `END` for a subscription means "only new events"; backwards
 * reads run START/END the other way round. A subscription sends `confirmation` first.
 */
import { randomUUID } from 'node:crypto';
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import * as streams from '@eventstore/db-client/generated/streams_pb';
import { type InMemoryLog, type StoredEvent } from './log';
import { allFilter, eventResponse, streamIdentifier, streamNameOf } from './wire';

type ReadCall = ServerWritableStream<streams.ReadReq, streams.ReadResp>;
type Options = streams.ReadReq.Options;
const { StreamOptionCase, CountOptionCase, ReadDirection } = streams.ReadReq.Options;
const RevisionCase = streams.ReadReq.Options.StreamOptions.RevisionOptionCase;
const AllCase = streams.ReadReq.Options.AllOptions.AllOptionCase;

export interface ReadFault {
  /** How many events the call delivers before it fails with UNAVAILABLE. */
  readonly afterEvents: number;
}

export interface ReadContext {
  readonly log: InMemoryLog;
  /** Takes the next injected fault, if any, for a read or a subscription. */
  readonly takeFault: (isSubscription: boolean) => ReadFault | undefined;
  /** Live subscriptions, so a test can cut them all with UNAVAILABLE. */
  readonly live: Set<{ readonly interrupt: () => void }>;
}

export const unavailable = (details: string) => ({
  code: status.UNAVAILABLE,
  details,
  name: 'Unavailable',
  message: details,
});

export const readHandler =
  (context: ReadContext) =>
  (call: ReadCall): void => {
    const options = call.request.getOptions();
    if (options === undefined) {
      call.emit('error', { code: status.INVALID_ARGUMENT, details: 'options are required' });
      return;
    }
    const isSubscription = options.getCountOptionCase() === CountOptionCase.SUBSCRIPTION;
    const session = new ReadSession(call, options, context.takeFault(isSubscription));
    if (isSubscription) subscribe(context, session, options);
    else read(context.log, session, options);
  };

/** One call's output, with the injected fault applied at the right event. */
class ReadSession {
  private sent = 0;
  private closed = false;
  private readonly closers: (() => void)[] = [];
  readonly structuredIds: boolean;

  constructor(
    private readonly call: ReadCall,
    options: Options,
    private readonly fault: ReadFault | undefined,
  ) {
    this.structuredIds = options.getUuidOption()?.hasStructured() ?? false;
    call.on('cancelled', () => this.close());
  }

  onClose(closer: () => void): void {
    this.closers.push(closer);
  }

  private close(): void {
    this.closed = true;
    for (const closer of this.closers.splice(0)) closer();
  }

  /** Returns false once the call is over (failed, cancelled), so callers stop producing. */
  event(event: StoredEvent): boolean {
    if (!this.checkFault()) return false;
    this.write(eventResponse(event, this.structuredIds));
    this.sent += 1;
    return true;
  }

  write(response: streams.ReadResp): void {
    if (!this.closed) this.call.write(response);
  }

  /** A fault scheduled after the last event still fires, at the end of the read or of catch-up. */
  checkFault(): boolean {
    if (this.closed) return false;
    if (this.fault !== undefined && this.sent >= this.fault.afterEvents) {
      this.fail('emulated outage: UNAVAILABLE');
      return false;
    }
    return true;
  }

  fail(details: string): void {
    if (this.closed) return;
    this.close();
    this.call.emit('error', unavailable(details));
  }

  end(): void {
    if (this.closed) return;
    this.close();
    this.call.end();
  }
}

const countOf = (options: Options): number =>
  options.getCountOptionCase() === CountOptionCase.COUNT
    ? Number(BigInt.asUintN(53, BigInt(options.getCount())))
    : Number.MAX_SAFE_INTEGER;

const read = (log: InMemoryLog, session: ReadSession, options: Options): void => {
  const selected =
    options.getStreamOptionCase() === StreamOptionCase.STREAM
      ? readStream(log, session, options)
      : readAll(log, options);
  if (selected === undefined) return;
  const count = countOf(options);
  let delivered = 0;
  for (const event of selected) {
    if (delivered >= count) break;
    if (!session.event(event)) return;
    delivered += 1;
  }
  if (session.checkFault()) session.end();
};

const readStream = (
  log: InMemoryLog,
  session: ReadSession,
  options: Options,
): Iterable<StoredEvent> | undefined => {
  const streamOptions = options.getStream();
  const name = streamNameOf(streamOptions?.getStreamIdentifier());
  const stream = log.stream(name);
  if (stream === undefined) {
    const notFound = new streams.ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name));
    session.write(new streams.ReadResp().setStreamNotFound(notFound));
    session.end();
    return undefined;
  }
  const backwards = options.getReadDirection() === ReadDirection.BACKWARDS;
  const last = stream.length - 1;
  const from = (() => {
    switch (streamOptions?.getRevisionOptionCase()) {
      case RevisionCase.REVISION:
        return Math.min(Number(streamOptions.getRevision()), backwards ? last : stream.length);
      case RevisionCase.END:
        return backwards ? last : stream.length;
      default:
        return 0;
    }
  })();
  return backwards ? stream.slice(0, from + 1).reverse() : stream.slice(from);
};

const readAll = (log: InMemoryLog, options: Options): Iterable<StoredEvent> => {
  const all = options.getAll();
  const backwards = options.getReadDirection() === ReadDirection.BACKWARDS;
  const keep = allFilter(options);
  const position = BigInt(all?.getPosition()?.getCommitPosition() ?? '0');
  const events = log.all.filter(keep);
  switch (all?.getAllOptionCase()) {
    case AllCase.POSITION:
      return backwards
        ? events.filter((e) => e.position < position).reverse()
        : events.filter((e) => e.position >= position);
    case AllCase.END:
      return backwards ? [...events].reverse() : [];
    default:
      return backwards ? [] : events;
  }
};

const subscribe = (context: ReadContext, session: ReadSession, options: Options): void => {
  const { log } = context;
  const predicate = subscriptionPredicate(log, options);
  let cursor = options.getAll()?.getAllOptionCase() === AllCase.END ? log.all.length : 0;
  const pump = (): boolean => {
    for (; cursor < log.all.length; cursor += 1) {
      const event = log.all[cursor];
      if (event !== undefined && predicate(event) && !session.event(event)) return false;
    }
    return true;
  };
  const entry = { interrupt: () => session.fail('emulated outage: subscription dropped') };
  const stop = () => {
    unlisten();
    context.live.delete(entry);
  };
  const unlisten = log.onCommit(pump);
  context.live.add(entry);
  session.onClose(stop);
  session.write(
    new streams.ReadResp().setConfirmation(
      new streams.ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID()),
    ),
  );
  if (!pump() || !session.checkFault()) return;
  session.write(new streams.ReadResp().setCaughtUp(new streams.ReadResp.CaughtUp()));
  const lastScanned = log.all[cursor - 1];
  if (options.hasFilter() && lastScanned !== undefined) {
    const position = lastScanned.position.toString();
    session.write(
      new streams.ReadResp().setCheckpoint(
        new streams.ReadResp.Checkpoint().setCommitPosition(position).setPreparePosition(position),
      ),
    );
  }
};

const subscriptionPredicate = (log: InMemoryLog, options: Options): ((event: StoredEvent) => boolean) => {
  if (options.getStreamOptionCase() === StreamOptionCase.ALL) {
    const keep = allFilter(options);
    const all = options.getAll();
    if (all?.getAllOptionCase() !== AllCase.POSITION) return keep;
    const after = BigInt(all.getPosition()?.getCommitPosition() ?? '0');
    return (event) => event.position > after && keep(event);
  }
  const streamOptions = options.getStream();
  const name = streamNameOf(streamOptions?.getStreamIdentifier());
  const after = (() => {
    switch (streamOptions?.getRevisionOptionCase()) {
      case RevisionCase.REVISION:
        return BigInt(streamOptions.getRevision());
      case RevisionCase.END:
        return BigInt((log.stream(name)?.length ?? 0) - 1);
      default:
        return -1n;
    }
  })();
  return (event) => event.streamId === name && event.revision > after;
};
