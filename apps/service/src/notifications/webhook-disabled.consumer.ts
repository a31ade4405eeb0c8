import { Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, WEBHOOK_DISABLED, type WebhookDisabledV1 } from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';
import { NotificationsService } from './notifications.service';

/**
 * A disabled webhook endpoint reaches the tenant's admins through the same
 * in-app notifications as escalations (myNotifications). Identity names the
 * admins in the event; the inbox keeps a redelivery from notifying twice.
 */
@Injectable()
export class WebhookDisabledConsumer implements OnModuleInit {
  constructor(
    private readonly registry: ConsumerRegistry,
    private readonly notifications: NotificationsService,
  ) {}

  async onModuleInit(): Promise<void> {
    // Identity creates the stream too; whichever starts first.
    await this.registry.consume(STREAMS.PLATFORM, {
      durable: 'service_webhook_disabled',
      eventTypes: [WEBHOOK_DISABLED],
      handler: (event, em) => this.notifications.webhookDisabled(em, event as WebhookDisabledV1),
    });
  }
}
