import { ConfigError, loadEnv, platformEnv } from '@rapport/config';
import { channelsConfig, channelsEnv, loadChannelsConfig } from './channels-env';

function problems(source: NodeJS.ProcessEnv): string[] {
  try {
    loadChannelsConfig(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('channels configuration from the environment', () => {
  it('turns every channel off when nothing is set', () => {
    expect(loadChannelsConfig({})).toEqual({ email: null, sms: null, push: null, webhookSecret: null });
  });

  it('builds the options of each configured channel', () => {
    const config = loadChannelsConfig({
      MARKETING_SMTP_URL: 'smtps://mailer:s%40cret@smtp.example.com',
      MARKETING_EMAIL_FROM: 'Example News <news@example.com>',
      MARKETING_SMTP_MAX_CONNECTIONS: '8',
      MARKETING_SMS_PROVIDER_URL: 'https://bridge.example.com/v1/sms',
      MARKETING_PUSH_PROVIDER_URL: 'https://bridge.example.com/v1/push',
      MARKETING_PROVIDER_API_KEY: 'key-1',
      MARKETING_PROVIDER_TIMEOUT_MS: '5000',
      MARKETING_PROVIDER_CALLBACK_URL: 'https://api.example.com/marketing/receipts',
      MARKETING_PROVIDER_WEBHOOK_SECRET: 'whsec-0123456789abcdef',
    });
    expect(config).toEqual({
      email: { url: 'smtps://mailer:s%40cret@smtp.example.com', from: 'Example News <news@example.com>', maxConnections: 8 },
      sms: {
        url: 'https://bridge.example.com/v1/sms',
        apiKey: 'key-1',
        timeoutMs: 5000,
        callbackUrl: 'https://api.example.com/marketing/receipts',
      },
      push: {
        url: 'https://bridge.example.com/v1/push',
        apiKey: 'key-1',
        timeoutMs: 5000,
        callbackUrl: 'https://api.example.com/marketing/receipts',
      },
      webhookSecret: 'whsec-0123456789abcdef',
    });
  });

  it('names each bad variable with its reason, never echoing the SMTP password', () => {
    const found = problems({
      MARKETING_SMTP_URL: 'smtp://mailer:secret@smtp.example.com/?pool=true',
      MARKETING_EMAIL_FROM: 'news',
      MARKETING_SMS_PROVIDER_URL: 'ftp://sms.example.com',
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(
      /^MARKETING_SMTP_URL is invalid: SMTP URL smtp:\/\/mailer:\*\*\*@smtp\.example\.com\/\?pool=true: has a path, query/,
    );
    expect(found.join('\n')).not.toContain('secret');
    expect(found[1]).toMatch(/^MARKETING_EMAIL_FROM="news" is invalid: email From "news": no email address/);
    expect(found[2]).toMatch(/^MARKETING_SMS_PROVIDER_URL="ftp:\/\/sms\.example\.com" is invalid: protocol must be one of http, https/);
  });

  it('requires what goes together', () => {
    expect(
      problems({
        MARKETING_SMTP_URL: 'smtp://localhost:2525',
        MARKETING_PUSH_PROVIDER_URL: 'http://localhost:9000/push',
        MARKETING_PROVIDER_CALLBACK_URL: 'http://localhost:4005/receipts',
      }),
    ).toEqual([
      'MARKETING_EMAIL_FROM is required when MARKETING_SMTP_URL is set',
      'MARKETING_PROVIDER_API_KEY is required when MARKETING_SMS_PROVIDER_URL or MARKETING_PUSH_PROVIDER_URL is set',
      'MARKETING_PROVIDER_WEBHOOK_SECRET is required when MARKETING_PROVIDER_CALLBACK_URL is set (receipts must be verifiable)',
    ]);
    expect(problems({ MARKETING_PROVIDER_WEBHOOK_SECRET: 'short' })).toEqual([
      'MARKETING_PROVIDER_WEBHOOK_SECRET must be at least 16 characters',
    ]);
  });

  it('spreads into a service spec beside the platform variables', () => {
    const env = loadEnv(
      { ...platformEnv, ...channelsEnv },
      { MARKETING_SMS_PROVIDER_URL: 'http://localhost:9000/sms', MARKETING_PROVIDER_API_KEY: 'k' },
    );
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(channelsConfig(env).sms).toEqual({ url: 'http://localhost:9000/sms', apiKey: 'k', timeoutMs: 10_000 });
  });
});
