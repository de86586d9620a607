/**
 * Waits for a condition instead of a fixed time: `probe` runs again every `intervalMs` (real time)
 * until it returns something other than `undefined`, which is the result. After `timeoutMs` the
 * promise rejects with `message`, so a test that can never pass fails instead of hanging.
 */
export const eventually = async <T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly message?: string } = {},
): Promise<T> => {
  const { timeoutMs = 10_000, intervalMs = 10, message = 'condition not met in time' } = options;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${message} (waited ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};
