import { env } from '@rapport/config';
import { deletionEnv, type DeletionConfig, type PlatformConfig } from '@rapport/service-kit';

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
  ...deletionEnv,
};

export type SalesConfig = PlatformConfig & {
  SALES_REMINDER_DELAY_PERCENT: number;
  SALES_OWNER_WAIT_MS: number;
} & DeletionConfig;
