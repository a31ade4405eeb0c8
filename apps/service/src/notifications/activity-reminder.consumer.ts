import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ACTIVITY_DUE, STREAMS, type ActivityDueV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { ConsumerRegistry, LOGGER } from '@rapport/service-kit';
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
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: ConsumerRegistry,
    private readonly notifications: NotificationsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consumeInBatches(STREAMS.SALES, {
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
    });
  }
}
