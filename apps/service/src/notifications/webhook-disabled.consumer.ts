import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, WEBHOOK_DISABLED, type WebhookDisabledV1 } from '@rapport/contracts';
import { ensureStream, EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import { NotificationsService } from './notifications.service';

/**
 * A disabled webhook endpoint reaches the tenant's admins through the same
 * in-app notifications as escalations (myNotifications). Identity names the
 * admins in the event; the inbox keeps a redelivery from notifying twice.
 */
@Injectable()
export class WebhookDisabledConsumer implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly notifications: NotificationsService,
  ) {}

  async onModuleInit(): Promise<void> {
    // Identity creates the stream too; whichever starts first.
    const stream = await ensureStream(this.nc, this.naming, STREAMS.PLATFORM);
    this.registry.register(
      new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream,
        durable: 'service_webhook_disabled',
        eventTypes: [WEBHOOK_DISABLED],
        handler: (event, em) => this.notifications.webhookDisabled(em, event as WebhookDisabledV1),
      }),
    );
  }
}
