import { env } from '@rapport/config';

/** The restore window and the purge sweep, the same for every service that deletes records (ADR 037). */
export const deletionEnv = {
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

export interface DeletionConfig {
  DELETION_RESTORE_DAYS: number;
  DELETION_PURGE_INTERVAL_SECONDS: number;
}
