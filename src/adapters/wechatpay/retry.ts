import type { GatewayOutcome } from '../../ports/wechat-pay-gateway';

/**
 * Idempotent reads are retried on Unknown with capped exponential back-off and full jitter, as the
 * API's 5xx guidance suggests ("2–3 retries usually resolve it", reference §1). Writes are never
 * retried here: pay could debit twice, and refunds and reversals are retried by their sagas.
 */

export interface RetryPolicy {
  /** Attempts in all, including the first; 1 disables retries. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_READ_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

export interface RetryDeps {
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const defaultRetryDeps: RetryDeps = {
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const backoffDelay = (policy: RetryPolicy, attempt: number, random: () => number): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));

export const retryOnUnknown = async <A>(
  attempt: () => Promise<GatewayOutcome<A>>,
  policy: RetryPolicy,
  deps: RetryDeps,
  onRetry: (outcome: GatewayOutcome<A>, attemptNumber: number) => void,
): Promise<GatewayOutcome<A>> => {
  let outcome = await attempt();
  for (let n = 1; n < policy.attempts && outcome._tag === 'Unknown'; n += 1) {
    onRetry(outcome, n);
    await deps.sleep(backoffDelay(policy, n - 1, deps.random));
    outcome = await attempt();
  }
  return outcome;
};
