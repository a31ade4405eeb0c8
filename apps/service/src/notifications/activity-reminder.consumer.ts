import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ACTIVITY_DUE, STREAMS, type ActivityDueV1 } from '@rapport/contracts';
import { BatchEventConsumer, ensureStream, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import { NotificationsService } from './notifications.service';

/**
 * Sales' activity reminders (`sales.activity.due`, inbox-deduplicated)
 * become in-app notifications for the activity's owner, in the store every
 * in-app notification uses (escalations too), so `myNotifications` is the
 * one place a user looks. The SALES stream is ensured here because service
 * may start before sales.
 */
@Injectable()
export class ActivityReminderConsumer implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly notifications: NotificationsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const sales = await ensureStream(this.nc, this.naming, STREAMS.SALES);
    this.registry.register(
      new BatchEventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream: sales,
        durable: 'service_activity_reminders',
        eventTypes: [ACTIVITY_DUE],
        handleBatch: async (events, em) => {
          for (const event of events) {
            const activity = (event as ActivityDueV1).data?.activity;
            if (!activity?.id || !activity.dueAt) {
              this.logger.warn({ eventId: event.id }, 'activity.due without an activity or due time; ignored');
              continue;
            }
            await this.notifications.activityDue(em, event.tenantId, activity, new Date(event.occurredAt));
          }
        },
      }),
    );
  }
}
