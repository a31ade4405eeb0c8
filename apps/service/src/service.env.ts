import { emailFromEnv, smtpUrlEnv } from '@rapport/channels';
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
  SERVICE_OWNER_WAIT_MS: env.int({
    default: 3000,
    min: 0,
    max: 60_000,
    description: 'how long assigning a case or adding a queue member waits for a user created in identity a moment ago (ADR 007)',
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
  SERVICE_SMTP_URL: smtpUrlEnv(
    "SMTP server for the service desk's email to customers (acknowledgements of inbound email): smtp://user:pass@host:port or smtps://…; unset: none is sent",
  ),
  SERVICE_EMAIL_FROM: emailFromEnv(
    'From of the service desk\'s email, e.g. "Example Support <support@example.com>"; required with SERVICE_SMTP_URL',
  ),
  SERVICE_PUBLIC_URL: env.url({
    protocols: ['http', 'https'],
    default: 'http://localhost:4000',
    description: 'the gateway as customers reach it: satisfaction-survey links start with it (<url>/s/rate/<token>)',
  }),
  SERVICE_LINK_SECRET: env.string({
    default: '',
    description:
      'HMAC secret of survey links, at least 32 characters, the same on every replica; unset: generated once and kept in the schema',
  }),
  SERVICE_INBOUND_EMAIL_DOMAIN: env.string({
    default: '',
    description:
      'domain of the support mailboxes: <tenant slug>@<domain> opens cases, <slug>+<token>@<domain> threads replies; unset: no email-to-case',
  }),
  SERVICE_INBOUND_SMTP_PORT: env.int({
    default: 2525,
    min: 0,
    max: 65535,
    description: 'port of the inbound SMTP endpoint (with SERVICE_INBOUND_EMAIL_DOMAIN); 0 takes a free one',
  }),
  SERVICE_INBOUND_SMTP_HOST: env.string({
    default: '127.0.0.1',
    description: 'address the inbound SMTP endpoint listens on (0.0.0.0 behind the MTA or load balancer that receives for the domain)',
  }),
  SERVICE_INBOUND_SMTP_TLS_KEY_FILE: env.string({
    default: '',
    description:
      'PEM private key the inbound SMTP endpoint offers STARTTLS with (with SERVICE_INBOUND_SMTP_TLS_CERT_FILE); unset: a built-in self-signed localhost certificate, for development only',
  }),
  SERVICE_INBOUND_SMTP_TLS_CERT_FILE: env.string({
    default: '',
    description:
      'PEM certificate (chain) for STARTTLS on the inbound SMTP endpoint, e.g. a mounted TLS secret; checked against the key at start',
  }),
  SERVICE_INBOUND_WEBHOOK_SECRET: env.string({
    default: '',
    description:
      'Standard Webhooks secret (whsec_<base64>) a mail provider signs inbound-parse POSTs to /inbound/email with; unset: the webhook answers 404',
  }),
  SERVICE_INBOUND_MAX_MESSAGE_BYTES: env.int({
    default: 25 * 1024 * 1024,
    min: 1024,
    max: 100 * 1024 * 1024,
    description: 'largest inbound message taken (SMTP SIZE, webhook body); larger ones are refused',
  }),
  SERVICE_INBOUND_MAX_ATTACHMENT_BYTES: env.int({
    default: 10 * 1024 * 1024,
    min: 1,
    max: 100 * 1024 * 1024,
    description: 'largest attachment kept from an inbound email; a larger one is refused with a note on the case',
  }),
  ...deletionEnv,
};

export type ServiceConfig = PlatformConfig & {
  SERVICE_SLA_WARNING_PERCENT: number;
  SERVICE_SLA_DELAY_PERCENT: number;
  SERVICE_CUSTOMER_WAIT_MS: number;
  SERVICE_OWNER_WAIT_MS: number;
  PRIVACY_ANSWER_TIMEOUT_SECONDS: number;
  PRIVACY_EXPORT_TTL_SECONDS: number;
  SERVICE_SMTP_URL: string;
  SERVICE_EMAIL_FROM: string;
  SERVICE_PUBLIC_URL: string;
  SERVICE_LINK_SECRET: string;
  SERVICE_INBOUND_EMAIL_DOMAIN: string;
  SERVICE_INBOUND_SMTP_PORT: number;
  SERVICE_INBOUND_SMTP_HOST: string;
  SERVICE_INBOUND_SMTP_TLS_KEY_FILE: string;
  SERVICE_INBOUND_SMTP_TLS_CERT_FILE: string;
  SERVICE_INBOUND_WEBHOOK_SECRET: string;
  SERVICE_INBOUND_MAX_MESSAGE_BYTES: number;
  SERVICE_INBOUND_MAX_ATTACHMENT_BYTES: number;
} & DeletionConfig;
