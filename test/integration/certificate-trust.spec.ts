import * as E from 'fp-ts/Either';
import { unsafeMoney, type AuthCode, type OutTradeNo, type SubMchid } from '../../src/domain';
import {
  authCode,
  control,
  ctx,
  eventually,
  newOutTradeNo,
  paidOrder,
  startRuntime,
  startWorld,
  SUB_MCHID,
  type Runtime,
  type World,
} from '../support/runtime-harness';

/**
 * Certificate trust over real HTTP with real signatures: WeChat starts signing with a new platform
 * certificate, listed in the download only from that moment, right after the service's start or its
 * last download. Every payment must still settle as the sandbox's ledger holds it, without review.
 */

interface Rotation {
  readonly serial: string;
  readonly signsFrom?: number;
  readonly signingSince?: number;
}
interface CertificateState {
  readonly signingSerial: string;
  readonly downloads: number;
  readonly rotations: readonly Rotation[];
}

const certificateState = async (world: World) =>
  (await control(world, 'GET', '/sandbox/certificates')) as CertificateState;

const rotate = async (world: World, body: Record<string, unknown>): Promise<Rotation> => {
  const state = (await control(world, 'POST', '/sandbox/certificates/rotate', body)) as CertificateState;
  const last = state.rotations[state.rotations.length - 1];
  if (last === undefined) throw new Error('no rotation recorded');
  return last;
};

/** Scenario code → the status WeChat ends the payment in (docs/sandbox.md). */
const MIX = [
  ['00', 0, 'SUCCEEDED'],
  ['01', 2, 'SUCCEEDED'],
  ['02', 2, 'FAILED'],
  ['10', 0, 'FAILED'],
] as const;

const pay = async (runtime: Runtime, scenario: string, seconds: number) => {
  const outTradeNo = newOutTradeNo('cert') as OutTradeNo;
  const created = await runtime.api.createPayment(
    {
      subMchid: SUB_MCHID as SubMchid,
      outTradeNo,
      authCode: authCode(scenario, seconds) as AuthCode,
      amount: unsafeMoney(500, 'HKD'),
      description: 'Integration - certificate trust',
    },
    ctx,
  )();
  if (E.isLeft(created)) throw new Error(`payment refused: ${JSON.stringify(created.left)}`);
  return outTradeNo;
};

const finalStatus = (runtime: Runtime, outTradeNo: OutTradeNo) =>
  eventually(async () => {
    const view = await runtime.api.getPayment(SUB_MCHID as SubMchid, outTradeNo)();
    if (E.isLeft(view)) return undefined;
    return ['SUCCEEDED', 'FAILED', 'REVERSED', 'CLOSED', 'NEEDS_REVIEW'].includes(view.right.status)
      ? view.right.status
      : undefined;
  }, 30_000);

/** Pays the mix repeatedly for `spanMs` (real), then checks every outcome against the ledger. */
const payThrough = async (world: World, runtime: Runtime, spanMs: number) => {
  const placed: { outTradeNo: OutTradeNo; expected: string }[] = [];
  const until = Date.now() + spanMs;
  while (Date.now() < until) {
    for (const [scenario, seconds, expected] of MIX)
      placed.push({ outTradeNo: await pay(runtime, scenario, seconds), expected });
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  const statuses = await Promise.all(placed.map((p) => finalStatus(runtime, p.outTradeNo)));
  const ledger = (await control(world, 'GET', '/sandbox/ledger')) as {
    entries: { kind: string; outTradeNo: string }[];
  };
  const paidAtWeChat = new Set(ledger.entries.filter((e) => e.kind === 'PAYMENT').map((e) => e.outTradeNo));
  placed.forEach((p, i) => {
    expect({ outTradeNo: p.outTradeNo, status: statuses[i] }).toEqual({
      outTradeNo: p.outTradeNo,
      status: p.expected,
    });
    expect(paidAtWeChat.has(p.outTradeNo)).toBe(p.expected === 'SUCCEEDED');
  });
  return placed.length;
};

/** Under the one-minute floor the issue measured; the 5 s floor plus a loaded machine's delays. */
const LEARNT_WITHIN_MS = 45_000;

/** Business ms from the first answer signed by the new certificate to the first one we verified. */
const timeToFirstVerified = async (world: World, runtime: Runtime, serial: string): Promise<number> => {
  const state = await certificateState(world);
  const since = state.rotations.find((r) => r.serial === serial)?.signingSince;
  const verified = runtime.client.certificateStats().firstVerifiedAt[serial];
  if (since === undefined || verified === undefined) throw new Error(`${serial} never signed or verified`);
  return verified - since;
};

describe('certificate trust (issue 13, build item 1)', () => {
  let world: World;
  let runtime: Runtime | undefined;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    await world.close();
  });

  it('rotation within 1 s of start, listed only once it signs: every payment settles as WeChat holds it', async () => {
    // 20 business s at 25× is 0.8 s of real time after the service's start-up download.
    const rotation = await rotate(world, { afterMs: 20_000, announce: 'when-signing' });
    runtime = await startRuntime(world);
    expect((await certificateState(world)).downloads).toBe(1);
    const payments = await payThrough(world, runtime, 2_000);
    expect(payments).toBeGreaterThanOrEqual(8);
    const state = await certificateState(world);
    expect(state.signingSerial).toBe(rotation.serial);
    expect(state.downloads).toBeLessThanOrEqual(4);
    // Learnt by the next download, well inside the old one-minute floor (business time, which a loaded
    // machine stretches at 25×: one real second is 25 s here).
    expect(await timeToFirstVerified(world, runtime, rotation.serial)).toBeLessThan(LEARNT_WITHIN_MS);
  });

  it('rotation within 1 s of a refresh: the miss waits for the floor, then verifies; no review', async () => {
    runtime = await startRuntime(world);
    // An announced-and-signing rotation makes the client refresh on the first answer it sees.
    const first = await rotate(world, { signWith: 'new' });
    expect(await finalStatus(runtime, await pay(runtime, '00', 0))).toBe('SUCCEEDED');
    const refreshed = await certificateState(world);
    expect(refreshed.downloads).toBe(2);
    // One business second after that refresh, WeChat switches again to a certificate not yet listed.
    const second = await rotate(world, { afterMs: 1_000, announce: 'when-signing' });
    await payThrough(world, runtime, 1_500);
    expect((await certificateState(world)).signingSerial).toBe(second.serial);
    expect(await timeToFirstVerified(world, runtime, first.serial)).toBeLessThan(LEARNT_WITHIN_MS);
    expect(await timeToFirstVerified(world, runtime, second.serial)).toBeLessThan(LEARNT_WITHIN_MS);
  });

  it('a pay before trust is held is refused unsent and retryable; once trust comes it goes', async () => {
    // Every download is unverifiable: the service cannot establish trust.
    await control(world, 'POST', '/sandbox/faults', { unverifiableRate: 1 });
    runtime = await startRuntime(world);
    expect(await runtime.api.readiness()()).toEqual({ store: true, certificates: false });
    const outTradeNo = newOutTradeNo('early') as OutTradeNo;
    const input = {
      subMchid: SUB_MCHID as SubMchid,
      outTradeNo,
      authCode: authCode('00') as AuthCode,
      amount: unsafeMoney(700, 'HKD'),
      description: 'Integration - before trust',
    };
    const refused = await runtime.api.createPayment(input, ctx)();
    expect(refused).toEqual(E.left({ _tag: 'PlatformTrustPending', retryAfterSeconds: 2 }));
    const requests = (await control(world, 'GET', '/sandbox/requests')) as {
      byClass: Record<string, number>;
    };
    expect(requests.byClass['pay']).toBeUndefined();
    expect(E.isLeft(await runtime.api.getPayment(SUB_MCHID as SubMchid, outTradeNo)())).toBe(true);

    // WeChat answers properly again: the client's back-off retry establishes trust by itself.
    await control(world, 'POST', '/sandbox/faults', { unverifiableRate: 0 });
    const rt = runtime;
    await eventually(async () => ((await rt.api.readiness()()).certificates ? true : undefined));
    const accepted = await runtime.api.createPayment(input, ctx, 10_000)();
    expect(E.isRight(accepted) && accepted.right.status).toBe('SUCCEEDED');
  });

  it('a pay arriving while the start-up download is under way waits for it, then goes', async () => {
    // A generous wait (4 s real at 25×), so a loaded machine's slow download cannot fail the test.
    runtime = await startRuntime(world, { skipClientStart: true, payTrustWaitMs: 100_000 });
    // Nothing downloaded yet... except what the core's start asked for: the pay shares that download.
    const view = await runtime.api.createPayment(
      {
        subMchid: SUB_MCHID as SubMchid,
        outTradeNo: newOutTradeNo('wait') as OutTradeNo,
        authCode: authCode('00') as AuthCode,
        amount: unsafeMoney(300, 'HKD'),
        description: 'Integration - waits for trust',
      },
      ctx,
      10_000,
    )();
    expect(E.isRight(view) && view.right.status).toBe('SUCCEEDED');
    expect((await certificateState(world)).downloads).toBe(1);
  });

  it('forged serials: downloads stay within the per-minute bound', async () => {
    runtime = await startRuntime(world);
    const rt = runtime;
    const startedAt = world.clock.now();
    const order = { subMchid: SUB_MCHID as SubMchid, outTradeNo: await paidOrder(rt, 100, 'forged') };
    const outcomes: string[] = [];
    const before = (await certificateState(world)).downloads;
    await control(world, 'POST', '/sandbox/faults', {
      unverifiableRate: 0.5,
      unverifiableAs: 'unknownSerial',
    });
    // About 4 s of real time: 100 business seconds of answers with forged serials.
    while (world.clock.now() - startedAt < 100_000) {
      const batch = await Promise.all(Array.from({ length: 5 }, () => rt.gateway.queryOrder(order)()));
      outcomes.push(...batch.map((o) => (o._tag === 'Unknown' ? o.reason : o._tag)));
    }
    await control(world, 'POST', '/sandbox/faults', { unverifiableRate: 0 });
    const elapsed = world.clock.now() - startedAt;
    const downloads = (await certificateState(world)).downloads - before;
    // A forged answer is never trusted (reads retry, so most still end verified).
    expect(new Set(outcomes)).toEqual(new Set(['UnverifiedResponse', 'Success']));
    // At most 10 downloads start in any 60 s window (the start-up one counts in the first).
    expect(downloads).toBeGreaterThan(0);
    expect(downloads + before).toBeLessThanOrEqual(10 * Math.ceil(elapsed / 60_000));
  });
});
