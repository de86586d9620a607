import * as E from 'fp-ts/Either';
import type { EventStore, WeChatPayGateway } from '../../src/ports';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * Simulates a process killed right after its n-th successful append: from then on every store
 * operation hangs, so nothing more of that process lands. With `isGatewayFrozenToo`, no further
 * request reaches WeChat either (killed before the next call went out); without it, a call already
 * under way still reaches WeChat but its answer is never recorded (killed while awaiting it).
 */
export const createFreezer = () => {
  let remaining = Number.POSITIVE_INFINITY;
  let isFrozen = false;
  let isGatewayFrozenToo = false;
  let signalFrozen: () => void = () => undefined;
  const frozen = new Promise<void>((resolve) => (signalFrozen = resolve));

  const wrapStore = (s: EventStore): EventStore => ({
    ...s,
    append: (streamId, events, expected) => async () => {
      if (isFrozen) return never();
      const r = await s.append(streamId, events, expected)();
      if (E.isRight(r)) {
        remaining -= 1;
        if (remaining <= 0) {
          isFrozen = true;
          signalFrozen();
        }
      }
      return r;
    },
    readStream: (streamId, options) => async () => (isFrozen ? never() : s.readStream(streamId, options)()),
    readAll: (options) => async () => (isFrozen ? never() : s.readAll(options)()),
    subscribeToAll: (handler, options) =>
      s.subscribeToAll(async (event) => (isFrozen ? never() : handler(event)), options),
  });

  const hold =
    <A extends unknown[], R>(call: (...args: A) => () => Promise<R>) =>
    (...args: A) =>
    async (): Promise<R> =>
      isFrozen && isGatewayFrozenToo ? never() : call(...args)();

  const wrapGateway = (g: WeChatPayGateway): WeChatPayGateway => ({
    ...g,
    pay: hold(g.pay),
    queryOrder: hold(g.queryOrder),
    reverse: hold(g.reverse),
    refund: hold(g.refund),
    queryRefund: hold(g.queryRefund),
  });

  return {
    wrapStore,
    wrapGateway,
    /** Freeze after `appends` more successful appends. */
    arm: (appends: number, gatewayToo: boolean): void => {
      remaining = appends;
      isGatewayFrozenToo = gatewayToo;
    },
    frozen,
    isFrozen: (): boolean => isFrozen,
  };
};

/** Counts pay requests per out_trade_no, across every runtime that shares it. */
export const createPayCounter = () => {
  const counts = new Map<string, number>();
  return {
    wrap: (g: WeChatPayGateway): WeChatPayGateway => ({
      ...g,
      pay: (request) => {
        counts.set(request.outTradeNo, (counts.get(request.outTradeNo) ?? 0) + 1);
        return g.pay(request);
      },
    }),
    count: (outTradeNo: string): number => counts.get(outTradeNo) ?? 0,
  };
};
