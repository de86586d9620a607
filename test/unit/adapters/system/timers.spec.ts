import {
  createManualClock,
  createManualTimers,
  createScaledClock,
  createSystemTimers,
  systemClock,
} from '../../../../src/adapters/system';

describe('system timers', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('fire at their due time by the clock, not before', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const timers = createSystemTimers(systemClock);
    const seen: number[] = [];
    timers.at(1_005_000, () => seen.push(Date.now()));
    jest.advanceTimersByTime(4_999);
    expect(seen).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(seen).toEqual([1_005_000]);
  });

  it('divide real delays by the clock scale', () => {
    jest.useFakeTimers({ now: 0 });
    const clock = createScaledClock(10, 1_764_000_000_000);
    const timers = createSystemTimers(clock);
    const seen: number[] = [];
    // 30 s of clock time is 3 s of real time at 10×.
    timers.at(1_764_000_030_000, () => seen.push(clock.now()));
    jest.advanceTimersByTime(2_999);
    expect(seen).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(seen).toEqual([1_764_000_030_000]);
  });

  it('an overdue timer fires on the next turn, after the caller finishes', () => {
    jest.useFakeTimers({ now: 50_000 });
    const timers = createSystemTimers(systemClock);
    const seen: string[] = [];
    timers.at(1_000, () => seen.push('fired'));
    seen.push('returned');
    jest.advanceTimersByTime(0);
    expect(seen).toEqual(['returned', 'fired']);
  });

  it('a cancelled timer never fires', () => {
    jest.useFakeTimers({ now: 0 });
    const timers = createSystemTimers(systemClock);
    const fired = jest.fn();
    timers.at(1_000, fired).cancel();
    const early = timers.at(0, fired);
    early.cancel();
    jest.advanceTimersByTime(10_000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('waits longer than setTimeout can hold are re-armed until due', () => {
    jest.useFakeTimers({ now: 0 });
    const timers = createSystemTimers(systemClock);
    const fired = jest.fn();
    const thirtyDays = 30 * 24 * 3600_000;
    timers.at(thirtyDays, fired);
    jest.advanceTimersByTime(thirtyDays - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('pending timers do not keep the process alive', () => {
    jest.useFakeTimers({ now: 0 });
    const unref = jest.fn();
    const real = global.setTimeout;
    const spy = jest
      .spyOn(global, 'setTimeout')
      .mockImplementation(((fn: () => void, ms?: number) => Object.assign(real(fn, ms), { unref })) as never);
    createSystemTimers(systemClock).at(60_000, () => undefined);
    expect(unref).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('with real time on a fast clock, a callback runs once its due time has come', async () => {
    const clock = createScaledClock(1_000);
    const timers = createSystemTimers(clock);
    const dueAt = clock.now() + 20_000;
    const firedAt = await new Promise<number>((resolve) => timers.at(dueAt, () => resolve(clock.now())));
    expect(firedAt).toBeGreaterThanOrEqual(dueAt);
  });
});

describe('manual timers', () => {
  it('fire in due order as the clock advances, each seeing its own due time', () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const seen: string[] = [];
    timers.at(8_000, () => seen.push(`b@${clock.now()}`));
    timers.at(5_000, () => seen.push(`a@${clock.now()}`));
    timers.at(20_000, () => seen.push(`c@${clock.now()}`));
    clock.advance(10_000);
    expect(seen).toEqual(['a@5000', 'b@8000']);
    expect(clock.now()).toBe(10_000);
    expect(timers.pending()).toBe(1);
    clock.advance(10_000);
    expect(seen).toEqual(['a@5000', 'b@8000', 'c@20000']);
    expect(timers.pending()).toBe(0);
  });

  it('ties fire in the order they were set', () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const seen: number[] = [];
    for (const n of [1, 2, 3]) timers.at(100, () => seen.push(n));
    clock.advance(100);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a timer set by a callback fires in the same advance when it falls due within it', () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const seen: number[] = [];
    const poll = (): void => {
      seen.push(clock.now());
      if (seen.length < 4) timers.at(clock.now() + 5_000, poll);
    };
    timers.at(5_000, poll);
    clock.advance(30_000);
    expect(seen).toEqual([5_000, 10_000, 15_000, 20_000]);
  });

  it('a cancelled timer never fires', () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const fired = jest.fn();
    timers.at(1_000, fired).cancel();
    clock.advance(5_000);
    expect(fired).not.toHaveBeenCalled();
    expect(timers.pending()).toBe(0);
  });

  it('a timer already due fires on the next microtask without advancing', async () => {
    const clock = createManualClock(10_000);
    const timers = createManualTimers(clock);
    const fired = jest.fn();
    timers.at(9_000, fired);
    expect(fired).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(fired).toHaveBeenCalledTimes(1);
    clock.advance(1_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('a callback that reschedules itself at the same instant forever is reported, not spun on', () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    let isLooping = true;
    const again = (): void => {
      if (isLooping) timers.at(100, again);
    };
    timers.at(100, again);
    expect(() => clock.advance(100)).toThrow('without time passing');
    isLooping = false;
  });
});
