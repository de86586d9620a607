import { createManualClock, createScaledClock, systemClock } from '../../../../src/adapters/system';

describe('clocks', () => {
  it('the system clock reads real time', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(systemClock.scale).toBe(1);
  });

  it('a scaled clock runs scale× faster than its base, from its origin', () => {
    const base = createManualClock(1_000);
    const clock = createScaledClock(30, 1_764_000_000_000, base);
    expect(clock.now()).toBe(1_764_000_000_000);
    base.advance(1_000);
    expect(clock.now()).toBe(1_764_000_030_000);
    base.advance(1_500);
    expect(clock.now()).toBe(1_764_000_075_000);
    expect(clock.scale).toBe(30);
  });

  it('a scaled clock starts from the base time when no origin is given, in whole milliseconds', () => {
    const base = createManualClock(5_000);
    const clock = createScaledClock(0.5, undefined, base);
    expect(clock.now()).toBe(5_000);
    base.advance(3);
    expect(clock.now()).toBe(5_001);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('a scale of %s is refused', (scale) => {
    expect(() => createScaledClock(scale)).toThrow('clock scale must be > 0');
  });

  it('a manual clock moves only when advanced, and never backwards', () => {
    const clock = createManualClock(100);
    expect(clock.now()).toBe(100);
    clock.advance(50);
    expect(clock.now()).toBe(150);
    clock.advanceTo(1_000);
    expect(clock.now()).toBe(1_000);
    expect(() => clock.advance(-1)).toThrow();
    expect(() => clock.advanceTo(999)).toThrow('backwards');
    expect(clock.now()).toBe(1_000);
  });
});
