import { env } from '@rapport/config';
import type { PlatformConfig } from '@rapport/service-kit';

export const analyticsEnv = {
  ANALYTICS_RFM_DELAY_MS: env.int({
    default: 1000,
    min: 0,
    max: 600_000,
    description: 'how long a requested RFM recompute waits, so a burst of order batches costs one recompute',
  }),
  ANALYTICS_RFM_MAX_SHARE_PERCENT: env.int({
    default: 25,
    min: 1,
    max: 100,
    description:
      'the most of the time RFM recomputes asked for by new orders may take per tenant: after one that took d, the next waits d × (100 − share) / share (100 = no wait beyond ANALYTICS_RFM_DELAY_MS)',
  }),
  ANALYTICS_RFM_CONCURRENCY: env.int({
    default: 2,
    min: 1,
    max: 64,
    description: 'RFM recomputes (of different tenants) run in parallel per process',
  }),
  ANALYTICS_RESCORE_DEBOUNCE_MS: env.int({
    default: 1000,
    min: 0,
    max: 600_000,
    description:
      'orders and contacts arriving over NATS ask for RFM and CLV rescoring at most once per tenant per this many ms (the union of the affected contacts)',
  }),
  ANALYTICS_SCORING_WORK_MEM_MB: env.int({
    default: 512,
    min: 4,
    max: 65_536,
    description:
      "PostgreSQL work_mem (MB) of a full CLV scoring's transaction: 512 keeps a million customers' sorts in memory; lower it on a small database server where several tenants score at once",
  }),
  ANALYTICS_CLV_RESCORE_CRON: env.string({
    default: '0 3 * * *',
    description:
      'when (cron, UTC) every tenant with a fitted CLV model is rescored, so P(alive), tiers and churn bands follow the passing time; empty = never',
  }),
};

export type AnalyticsConfig = PlatformConfig & {
  ANALYTICS_RFM_DELAY_MS: number;
  ANALYTICS_RFM_MAX_SHARE_PERCENT: number;
  ANALYTICS_RFM_CONCURRENCY: number;
  ANALYTICS_RESCORE_DEBOUNCE_MS: number;
  ANALYTICS_SCORING_WORK_MEM_MB: number;
  ANALYTICS_CLV_RESCORE_CRON: string;
};
