import { env } from '@rapport/config';
import { deletionEnv, type DeletionConfig, type PlatformConfig } from '@rapport/service-kit';

export const serviceEnv = {
  SERVICE_SLA_WARNING_PERCENT: env.int({
    default: 80,
    min: 1,
    max: 99,
    description: 'share of an SLA target (percent) after which a warning fires, for policies that do not set their own',
  }),
  SERVICE_SLA_DELAY_PERCENT: env.int({
    default: 100,
    min: 1,
    max: 100,
    description: 'SLA timer jobs wait this percentage of the real time to their due time; below 100 only to compress tests',
  }),
  SERVICE_CUSTOMER_WAIT_MS: env.int({
    default: 5000,
    min: 0,
    max: 60_000,
    description:
      'how long opening a case waits for a contact or account created in sales a moment ago to reach the projection before refusing it',
  }),
  PRIVACY_ANSWER_TIMEOUT_SECONDS: env.int({
    default: 900,
    min: 1,
    max: 7 * 24 * 3600,
    description:
      'how long a data-subject request (export, erasure) waits for every service to answer before it is reported INCOMPLETE, naming those missing',
  }),
  PRIVACY_EXPORT_TTL_SECONDS: env.int({
    default: 7 * 24 * 3600,
    min: 60,
    max: 90 * 24 * 3600,
    description: 'how long a personal-data export can be downloaded after it is built; the archive is then deleted',
  }),
  ...deletionEnv,
};

export type ServiceConfig = PlatformConfig & {
  SERVICE_SLA_WARNING_PERCENT: number;
  SERVICE_SLA_DELAY_PERCENT: number;
  SERVICE_CUSTOMER_WAIT_MS: number;
  PRIVACY_ANSWER_TIMEOUT_SECONDS: number;
  PRIVACY_EXPORT_TTL_SECONDS: number;
} & DeletionConfig;
