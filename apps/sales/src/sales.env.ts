import { env } from '@rapport/config';
import type { PlatformConfig } from '@rapport/service-kit';

export const salesEnv = {
  SALES_REMINDER_DELAY_PERCENT: env.int({
    default: 100,
    min: 1,
    max: 100,
    description: 'activity reminder jobs wait this percentage of the real time to the due time; below 100 only to compress tests',
  }),
  SALES_OWNER_WAIT_MS: env.int({
    default: 3000,
    min: 0,
    max: 30000,
    description: 'how long a write waits for an owner created in identity a moment ago to reach sales before refusing it (ADR 007)',
  }),
  DELETION_RESTORE_DAYS: env.int({
    default: 30,
    min: 1,
    max: 3650,
    description: 'days a deleted record stays restorable before the purge job deletes it for good (ADR 037)',
  }),
  DELETION_PURGE_INTERVAL_SECONDS: env.int({
    default: 3600,
    min: 1,
    max: 86400,
    description: 'how often the purge job looks for deleted records whose restore window ended',
  }),
};

export type SalesConfig = PlatformConfig & {
  SALES_REMINDER_DELAY_PERCENT: number;
  SALES_OWNER_WAIT_MS: number;
  DELETION_RESTORE_DAYS: number;
  DELETION_PURGE_INTERVAL_SECONDS: number;
};
