/**
 * A protocol-level EventStoreDB emulator for tests: a gRPC server built on `@grpc/grpc-js` and the
 * service definitions `@eventstore/db-client` ships, backed by an in-memory log. It serves the real
 * client over `esdb://127.0.0.1:<ephemeral>?tls=false`. It checks that an adapter speaks the
 * protocol, not how a real server behaves: docs/event-stores.md lists what it leaves out.
 */
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import {
  ServerFeaturesService,
  type IServerFeaturesServer,
} from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { StreamsService, type IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb';
import { type BatchAppendReq, type BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import { appendHandler, batchAppendHandler } from './append';
import { InMemoryLog } from './log';
import { readHandler, type ReadFault } from './read';

export interface EsdbEmulatorOptions {
  /** List `Streams/BatchAppend` in GetSupportedMethods, as servers >= 21.10 do. Default true. */
  readonly batchAppend?: boolean;
  /** Start with the system events a fresh server has in `$all` before any user event. */
  readonly seedSystemEvents?: boolean;
}

export interface SystemEvent {
  readonly streamId: string;
  readonly type: string;
}

/** The kinds of system records a real `$all` holds: `$`-types, `$`-streams, or both. */
export const SYSTEM_EVENT_KINDS: readonly SystemEvent[] = [
  { streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' },
  { streamId: '$$order-1900000109:T1', type: '$metadata' },
  { streamId: '$ce-order', type: '$>' },
  // Projections emit into `$`-streams with ordinary type names; a type-only filter lets these through.
  { streamId: '$projections-payments-result', type: 'PaymentsProjected' },
  // A `$`-type in an ordinary-looking stream; a stream-only filter lets these through.
  { streamId: 'settings', type: '$settings' },
];

export interface ReadFailureOptions {
  /** Events the failing call delivers before UNAVAILABLE. Default 0. */
  readonly afterEvents?: number;
  /** Which Read calls fail: plain reads, subscriptions, or either. Default either. */
  readonly only?: 'reads' | 'subscriptions';
}

export interface EsdbEmulator {
  /** `esdb://127.0.0.1:<port>?tls=false`: one node, no gossip call. */
  readonly connectionString: string;
  /** Every gRPC method path received, in order (e.g. to see which append path the client took). */
  readonly calls: readonly string[];
  readonly log: InMemoryLog;
  /** Appends a system record to `$all`; by default cycles through SYSTEM_EVENT_KINDS. */
  readonly injectSystemEvent: (event?: SystemEvent) => void;
  /** The next `times` Read calls fail with UNAVAILABLE. */
  readonly failReads: (times: number, options?: ReadFailureOptions) => void;
  /** Cuts every live subscription with UNAVAILABLE, as a node restart would. */
  readonly interruptSubscriptions: () => void;
  readonly liveSubscriptions: () => number;
  readonly stop: () => Promise<void>;
}

const STREAMS_SERVICE = 'event_store.client.streams.streams';

const supportedMethods = (batchAppend: boolean): SupportedMethods => {
  const method = (service: string, name: string) =>
    new SupportedMethod().setServiceName(service).setMethodName(name);
  const names = ['read', 'append', 'delete', 'tombstone', ...(batchAppend ? ['batchappend'] : [])];
  return new SupportedMethods()
    .setEventStoreServerVersion('23.10.0-emulator')
    .setMethodsList([
      ...names.map((n) => method(STREAMS_SERVICE, n)),
      method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
    ]);
};

export const startEsdbEmulator = async (options: EsdbEmulatorOptions = {}): Promise<EsdbEmulator> => {
  const batchAppend = options.batchAppend ?? true;
  const log = new InMemoryLog();
  const calls: string[] = [];
  const faults: (ReadFault & { readonly only: ReadFailureOptions['only'] })[] = [];
  const live = new Set<{ readonly interrupt: () => void }>();
  let injected = 0;

  const injectSystemEvent = (event?: SystemEvent): void => {
    const kind = event ?? SYSTEM_EVENT_KINDS[injected % SYSTEM_EVENT_KINDS.length];
    injected += 1;
    if (kind === undefined) return;
    const data = Buffer.from(
      kind.type === '$>' ? '0@order-1900000109:T1' : JSON.stringify({ injected }),
      'utf8',
    );
    const contentType = kind.type === '$>' ? 'application/octet-stream' : 'application/json';
    const id = `00000000-0000-4000-8000-${injected.toString(16).padStart(12, '0')}`;
    log.append(
      kind.streamId,
      [{ id, type: kind.type, contentType, data, customMetadata: new Uint8Array() }],
      { kind: 'any' },
    );
  };
  if (options.seedSystemEvents === true) {
    injectSystemEvent({ streamId: '$epoch-information', type: '$epoch-information' });
    injectSystemEvent({ streamId: '$scavenges', type: '$scavengeIndexInitialized' });
  }

  const takeFault = (isSubscription: boolean): ReadFault | undefined => {
    const index = faults.findIndex(
      (f) => f.only === undefined || (f.only === 'subscriptions') === isSubscription,
    );
    return index < 0 ? undefined : faults.splice(index, 1)[0];
  };

  const recorded =
    <A extends [{ getPath(): string }, ...unknown[]]>(handler: (...args: A) => void) =>
    (...args: A): void => {
      calls.push(args[0].getPath());
      handler(...args);
    };
  const notEmulated = (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<never>): void =>
    callback({ code: status.UNIMPLEMENTED, details: 'not emulated' });

  const server = new Server();
  const streamsImpl: IStreamsServer = {
    read: recorded(readHandler({ log, takeFault, live })),
    append: recorded(appendHandler(log)),
    batchAppend: recorded(
      batchAppend
        ? batchAppendHandler(log)
        : (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) =>
            call.emit('error', { code: status.UNIMPLEMENTED, details: 'BatchAppend is not supported' }),
    ),
    delete: recorded(notEmulated),
    tombstone: recorded(notEmulated),
  };
  const featuresImpl: IServerFeaturesServer = {
    getSupportedMethods: recorded(
      (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<SupportedMethods>) =>
        callback(null, supportedMethods(batchAppend)),
    ),
  };
  server.addService(StreamsService, streamsImpl);
  server.addService(ServerFeaturesService, featuresImpl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    calls,
    log,
    injectSystemEvent,
    failReads: (times, failure = {}) => {
      for (let i = 0; i < times; i += 1)
        faults.push({ afterEvents: failure.afterEvents ?? 0, only: failure.only });
    },
    interruptSubscriptions: () => {
      for (const subscription of [...live]) subscription.interrupt();
    },
    liveSubscriptions: () => live.size,
    stop: async () => {
      for (const subscription of [...live]) subscription.interrupt();
      server.forceShutdown();
    },
  };
};
