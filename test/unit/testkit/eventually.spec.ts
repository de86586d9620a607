import { eventually } from '../../../src/testkit/eventually';

describe('eventually', () => {
  it('resolves with the first defined value', async () => {
    let calls = 0;
    await expect(eventually(() => ((calls += 1) >= 3 ? calls : undefined), { intervalMs: 1 })).resolves.toBe(
      3,
    );
  });

  it('rejects with its message once the time is up', async () => {
    await expect(
      eventually(() => undefined, { timeoutMs: 20, intervalMs: 5, message: 'never' }),
    ).rejects.toThrow('never (waited 20 ms)');
  });
});
