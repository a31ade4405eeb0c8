import { channelsEnv, type ChannelsEnv } from '@rapport/channels';
import { env, linkRateLimitEnv } from '@rapport/config';
import type { PlatformConfig } from '@rapport/service-kit';

export const marketingEnv = {
  ...channelsEnv,
  // Marketing limits direct callers of its /m/* routes at the gateway's rate for them.
  ...linkRateLimitEnv,
  MARKETING_PUBLIC_URL: env.url({
    default: 'http://localhost:4000',
    protocols: ['http', 'https'],
    description:
      'base URL recipients reach the gateway at; unsubscribe, tracking and confirmation links in messages start with it (the gateway forwards /m/* to marketing)',
  }),
  MARKETING_LINK_SECRET: env.string({
    default: '',
    description: 'HMAC secret for links in messages (at least 32 characters); empty = generated once and kept in the marketing schema',
  }),
  MARKETING_SEND_BATCH_SIZE: env.int({
    default: 500,
    min: 1,
    max: 10_000,
    description: 'recipients per send job of a campaign (one BullMQ job per batch)',
  }),
  MARKETING_SEND_CLAIM_SIZE: env.int({
    default: 200,
    min: 1,
    max: 1_000,
    description:
      'recipients a send job checks, claims and sends together (one transaction to claim, one to record); at most this many per job are left unsent if its worker dies mid-send',
  }),
  MARKETING_SEND_CONCURRENCY: env.int({
    default: 8,
    min: 1,
    max: 64,
    description: 'send jobs a process works on at once, per channel',
  }),
  MARKETING_EMAIL_RATE_PER_SECOND: env.int({
    default: 50,
    min: 1,
    max: 100_000,
    description: 'messages per second the email provider accepts (all campaigns and journeys of all replicas together)',
  }),
  MARKETING_SMS_RATE_PER_SECOND: env.int({
    default: 10,
    min: 1,
    max: 100_000,
    description: 'messages per second the SMS provider accepts',
  }),
  MARKETING_PUSH_RATE_PER_SECOND: env.int({
    default: 100,
    min: 1,
    max: 100_000,
    description: 'messages per second the push provider accepts',
  }),
  MARKETING_JOURNEY_CONCURRENCY: env.int({
    default: 8,
    min: 1,
    max: 256,
    description: 'journey steps a process runs at once',
  }),
  MARKETING_JOB_LOCK_MS: env.int({
    default: 30_000,
    min: 1_000,
    max: 600_000,
    description: 'how long a send job stays locked to a worker without renewal; a killed worker’s batch is taken over after it',
  }),
};

export type MarketingConfig = PlatformConfig &
  ChannelsEnv & {
    MARKETING_PUBLIC_URL: string;
    MARKETING_LINK_SECRET: string;
    MARKETING_SEND_BATCH_SIZE: number;
    MARKETING_SEND_CLAIM_SIZE: number;
    MARKETING_SEND_CONCURRENCY: number;
    MARKETING_EMAIL_RATE_PER_SECOND: number;
    MARKETING_SMS_RATE_PER_SECOND: number;
    MARKETING_PUSH_RATE_PER_SECOND: number;
    MARKETING_JOURNEY_CONCURRENCY: number;
    MARKETING_JOB_LOCK_MS: number;
  };
