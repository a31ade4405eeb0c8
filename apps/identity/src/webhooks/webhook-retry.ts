/** How deliveries are retried (WEBHOOK_RETRY_* settings). */
export interface WebhookRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A failing delivery is tried for at least this long before it is given up. */
  retryForMs: number;
}

/**
 * The wait before retry `n` (1 = after the first attempt): exponential from
 * the base, capped, with "equal jitter" — half the step fixed, half random —
 * so endpoints that failed together do not all come back at the same instant
 * while the wait never drops below half the step.
 */
export function retryDelayMs(policy: WebhookRetryPolicy, retry: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry - 1, 40));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Attempts in all (the first and its retries) such that even with the
 * shortest jittered waits the last retry comes no earlier than retryForMs
 * after the first attempt.
 */
export function attemptsFor(policy: WebhookRetryPolicy): number {
  let waited = 0;
  let retries = 0;
  while (waited < policy.retryForMs) {
    retries += 1;
    waited += retryDelayMs(policy, retries, () => 0);
  }
  return retries + 1;
}
