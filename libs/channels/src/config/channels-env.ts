import { ConfigError, env, loadEnv, type EnvField, type EnvOf } from '@rapport/config';
import type { EmailChannelOptions } from '../email/email-channel';
import { parseSender } from '../email/sender';
import { parseSmtpUrl } from '../email/smtp-url';
import type { HttpProviderChannelOptions } from '../http/http-provider-channel';

/** A field that checks its value with a parser from this library but keeps the string. */
function checked(check: (raw: string) => unknown, description: string, options: { secret?: boolean } = {}): EnvField<string> {
  return {
    parse: (raw) => {
      check(raw);
      return raw;
    },
    default: '',
    description,
    ...options,
  };
}

/**
 * An SMTP URL variable (`smtp://user:pass@host:port` or `smtps://…`),
 * checked at start and kept secret in reports: it carries the password.
 * For any service that sends email (marketing's and identity's variables).
 */
export function smtpUrlEnv(description: string): EnvField<string> {
  // The parser's own message shows the URL redacted.
  return checked(parseSmtpUrl, description, { secret: true });
}

/** An email From variable (`news@example.com` or `Example News <news@example.com>`), checked at start. */
export function emailFromEnv(description: string): EnvField<string> {
  return checked(parseSender, description);
}

/**
 * The variables the channels read, for the marketing service to spread into
 * its own spec (`{ ...platformEnv, ...channelsEnv, … }`) so one loadEnv
 * reports every problem. Empty means "not configured": that channel is off.
 */
export const channelsEnv = {
  MARKETING_SMTP_URL: smtpUrlEnv(
    'SMTP server for email: smtp://user:pass@host:port (STARTTLS) or smtps://… (TLS); unset: no email channel',
  ),
  MARKETING_SMTP_MAX_CONNECTIONS: env.int({
    default: 10,
    min: 1,
    max: 100,
    description:
      'pooled SMTP connections; a claim of messages is spread over them, each connection sending its envelope and DATA pipelined',
  }),
  MARKETING_EMAIL_FROM: emailFromEnv('From of marketing email, e.g. "Example News <news@example.com>"; required with MARKETING_SMTP_URL'),
  MARKETING_SMS_PROVIDER_URL: env.url({
    protocols: ['http', 'https'],
    default: '',
    description: 'HTTP SMS provider (wire format in libs/channels); unset: no SMS',
  }),
  MARKETING_PUSH_PROVIDER_URL: env.url({ protocols: ['http', 'https'], default: '', description: 'HTTP push provider; unset: no push' }),
  MARKETING_PROVIDER_API_KEY: env.string({ default: '', description: 'API key sent to the SMS and push providers as a bearer token' }),
  MARKETING_PROVIDER_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000, description: 'how long a provider request may take' }),
  MARKETING_PROVIDER_CALLBACK_URL: env.url({
    protocols: ['http', 'https'],
    default: '',
    description: 'public URL of the delivery-receipt webhook, sent to the providers with each message',
  }),
  MARKETING_PROVIDER_WEBHOOK_SECRET: env.string({
    default: '',
    description: 'secret the providers sign delivery receipts with (HMAC-SHA256, at least 16 characters)',
  }),
};

export type ChannelsEnv = EnvOf<typeof channelsEnv>;

/** Options for each configured channel; null where the channel is off. */
export interface ChannelsConfig {
  email: EmailChannelOptions | null;
  sms: HttpProviderChannelOptions | null;
  push: HttpProviderChannelOptions | null;
  /** Verifies delivery receipts (parseDeliveryReceipt); null when no receipts are expected. */
  webhookSecret: string | null;
}

/**
 * Channel options from loaded variables, after the checks one variable alone
 * cannot make. Throws ConfigError naming every variable at fault.
 */
export function channelsConfig(values: ChannelsEnv): ChannelsConfig {
  const problems: string[] = [];
  const smtp = values.MARKETING_SMTP_URL;
  if (smtp !== '' && values.MARKETING_EMAIL_FROM === '') problems.push('MARKETING_EMAIL_FROM is required when MARKETING_SMTP_URL is set');
  const providers = [values.MARKETING_SMS_PROVIDER_URL, values.MARKETING_PUSH_PROVIDER_URL].filter((url) => url !== '');
  if (providers.length > 0 && values.MARKETING_PROVIDER_API_KEY === '') {
    problems.push('MARKETING_PROVIDER_API_KEY is required when MARKETING_SMS_PROVIDER_URL or MARKETING_PUSH_PROVIDER_URL is set');
  }
  const secret = values.MARKETING_PROVIDER_WEBHOOK_SECRET;
  if (values.MARKETING_PROVIDER_CALLBACK_URL !== '' && secret === '') {
    problems.push(
      'MARKETING_PROVIDER_WEBHOOK_SECRET is required when MARKETING_PROVIDER_CALLBACK_URL is set (receipts must be verifiable)',
    );
  }
  if (secret !== '' && secret.length < 16) problems.push('MARKETING_PROVIDER_WEBHOOK_SECRET must be at least 16 characters');
  if (problems.length > 0) throw new ConfigError(problems);

  const provider = (url: string): HttpProviderChannelOptions | null =>
    url === ''
      ? null
      : {
          url,
          apiKey: values.MARKETING_PROVIDER_API_KEY,
          timeoutMs: values.MARKETING_PROVIDER_TIMEOUT_MS,
          ...(values.MARKETING_PROVIDER_CALLBACK_URL !== '' ? { callbackUrl: values.MARKETING_PROVIDER_CALLBACK_URL } : {}),
        };
  return {
    email: smtp === '' ? null : { url: smtp, from: values.MARKETING_EMAIL_FROM, maxConnections: values.MARKETING_SMTP_MAX_CONNECTIONS },
    sms: provider(values.MARKETING_SMS_PROVIDER_URL),
    push: provider(values.MARKETING_PUSH_PROVIDER_URL),
    webhookSecret: secret === '' ? null : secret,
  };
}

/** loadEnv(channelsEnv) and channelsConfig in one, for a process that reads nothing else. */
export function loadChannelsConfig(source: NodeJS.ProcessEnv = process.env): ChannelsConfig {
  return channelsConfig(loadEnv(channelsEnv, source));
}
