import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { conflict } from '@rapport/auth';
import {
  channelsConfig,
  EmailChannel,
  HttpProviderChannel,
  type Channel,
  type ChannelsConfig,
  type EmailChannelOptions,
  type EmailMessage,
  type HttpProviderChannelOptions,
  type PushMessage,
  type SmsMessage,
} from '@rapport/channels';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import type { MarketingConfig } from '../marketing.env';
import type { SendChannel } from '../vocabulary/messages';

/**
 * The configured ways out: email over SMTP, SMS and push through HTTP
 * providers (libs/channels). Each is built on first use from the validated
 * environment; one that is not configured says which variable to set.
 * Closed at shutdown, after the send workers have stopped (messages in
 * flight finish first).
 */
@Injectable()
export class ChannelRegistry implements OnApplicationShutdown {
  private readonly options: ChannelsConfig;
  private email: EmailChannel | null = null;
  private sms: HttpProviderChannel<SmsMessage> | null = null;
  private push: HttpProviderChannel<PushMessage> | null = null;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: MarketingConfig) {
    this.options = channelsConfig(config);
  }

  /** Throws CONFLICT naming the variable when the channel is not configured. */
  requireConfigured(channel: SendChannel): void {
    const options = { EMAIL: this.options.email, SMS: this.options.sms, PUSH: this.options.push }[channel];
    const variable = { EMAIL: 'MARKETING_SMTP_URL', SMS: 'MARKETING_SMS_PROVIDER_URL', PUSH: 'MARKETING_PUSH_PROVIDER_URL' }[channel];
    if (!options) throw conflict(`no ${channel} provider is configured (set ${variable})`);
  }

  emailChannel(): Channel<EmailMessage> {
    this.requireConfigured('EMAIL');
    this.email ??= new EmailChannel(this.options.email as EmailChannelOptions);
    return this.email;
  }

  smsChannel(): Channel<SmsMessage> {
    this.requireConfigured('SMS');
    this.sms ??= HttpProviderChannel.sms(this.options.sms as HttpProviderChannelOptions);
    return this.sms;
  }

  pushChannel(): Channel<PushMessage> {
    this.requireConfigured('PUSH');
    this.push ??= HttpProviderChannel.push(this.options.push as HttpProviderChannelOptions);
    return this.push;
  }

  /** The secret delivery receipts are signed with; null when receipts are not taken. */
  webhookSecret(): string | null {
    return this.options.webhookSecret;
  }

  /** Messages per second the channel's provider takes. */
  ratePerSecond(channel: SendChannel): number {
    return {
      EMAIL: this.config.MARKETING_EMAIL_RATE_PER_SECOND,
      SMS: this.config.MARKETING_SMS_RATE_PER_SECOND,
      PUSH: this.config.MARKETING_PUSH_RATE_PER_SECOND,
    }[channel];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.email?.close(), this.sms?.close(), this.push?.close()]);
  }
}
