import type * as E from 'fp-ts/Either';
import type { GatewayOutcome, RecordedEvent } from '../ports';
import type { AggregateSpec } from './aggregate';
import {
  type HandleError,
  type Handled,
  type Loaded,
  defaultRetry,
  handleCommand,
  loadAggregate,
} from './command-handler';
import type { CoreDeps } from './runtime';
import { isoNow } from './runtime';

/**
 * Saga commands carry the stream's own correlation id and are caused by the stream's last event.
 * Their command id is derived from the stream revision and step, so a command repeated after a
 * crash at the same point is recognised as already applied.
 */
export const sagaContext = (
  streamId: string,
  events: readonly RecordedEvent[],
  step: string,
  actor: string,
  now: string,
) => {
  const last = events[events.length - 1];
  return {
    commandId: `${streamId}@${last?.revision ?? -1}:${step}`,
    correlationId: events[0]?.metadata.correlationId ?? streamId,
    causationId: last?.id ?? streamId,
    actor,
    now,
  };
};

export const load =
  <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
    deps: CoreDeps,
    spec: AggregateSpec<C, Ev, S>,
  ) =>
  async (streamId: string) =>
    loadAggregate(deps.store, spec)(streamId)();

/**
 * Runs a saga's commands for one load of its stream. Each is identified by that load (sagaContext);
 * the first also decides on it without reading the stream again, later ones read what the earlier
 * ones appended.
 */
export const commandsFor = <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
  deps: CoreDeps,
  spec: AggregateSpec<C, Ev, S>,
  streamId: string,
  loaded: Loaded<S>,
  actor: string,
) => {
  let isFresh = true;
  return async (command: C & { readonly type: string }): Promise<E.Either<HandleError, Handled<Ev, S>>> => {
    const snapshot = isFresh ? loaded : undefined;
    isFresh = false;
    return handleCommand(
      deps.store,
      spec,
      streamId,
      command,
      sagaContext(streamId, loaded.events, command.type, actor, isoNow(deps.clock)),
      defaultRetry,
      snapshot,
    )();
  };
};

export const describeError = (e: HandleError | { readonly _tag: string }): string =>
  e._tag === 'DomainRejected' && 'error' in e ? `${e._tag}: ${JSON.stringify(e.error)}` : JSON.stringify(e);

/** Calls WeChat and reports the call's outcome and real latency (not business time, which may be scaled). */
export const callGateway = async <A>(
  deps: CoreDeps,
  operation: string,
  call: () => Promise<GatewayOutcome<A>>,
): Promise<GatewayOutcome<A>> => {
  const started = performance.now();
  const answer = await call();
  deps.metrics.gatewayCall(operation, answer._tag, performance.now() - started);
  return answer;
};
