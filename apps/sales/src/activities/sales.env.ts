import { env } from '@rapport/config';
import type { PlatformConfig } from '@rapport/service-kit';

export const salesEnv = {
  SALES_REMINDER_DELAY_PERCENT: env.int({
    default: 100,
    min: 1,
    max: 100,
    description: 'activity reminder jobs wait this percentage of the real time to the due time; below 100 only to compress tests',
  }),
};

export type SalesConfig = PlatformConfig & { SALES_REMINDER_DELAY_PERCENT: number };
