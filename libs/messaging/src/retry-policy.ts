/**
 * How long a consumer keeps retrying an event whose handler fails before it
 * parks it in its service's dead-letter stream. The budget is measured in
 * time, not attempts: the usual cause is a dependency that is down (Postgres
 * restarting, a failover), and the default rides out an outage of almost an
 * hour before anything is parked (docs/adr/018-dead-letter.md).
 */
export interface RetryPolicy {
  /** Delay before delivery n+1 after delivery n failed; its length + 1 is the number of attempts. */
  delaysMs: readonly number[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** 13 attempts over about 59 minutes: quick retries for a blip, then every 10 minutes. */
export const DEFAULT_RETRY: RetryPolicy = {
  delaysMs: [
    1 * SECOND,
    5 * SECOND,
    15 * SECOND,
    30 * SECOND,
    1 * MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    10 * MINUTE,
    10 * MINUTE,
    10 * MINUTE,
    10 * MINUTE,
  ],
};

/** Deliveries the budget allows (the first one included). */
export function attemptsAllowed(policy: RetryPolicy): number {
  return policy.delaysMs.length + 1;
}

/** Time from the first failure to the last attempt, if every attempt fails at once. */
export function budgetMs(policy: RetryPolicy): number {
  return policy.delaysMs.reduce((sum, d) => sum + d, 0);
}

/**
 * The delay before the next delivery once delivery `delivery` (1 for the
 * first) has failed, or null when that was the last one the budget allows.
 */
export function retryDelay(policy: RetryPolicy, delivery: number): number | null {
  return delivery < attemptsAllowed(policy) ? policy.delaysMs[Math.max(0, delivery - 1)] : null;
}
