import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONSENT_CHANGED, STREAMS, type ConsentChangedV1 } from '@rapport/contracts';
import { ensureStream, EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';

/**
 * The one consent the service desk needs: may a contact be emailed for the
 * SERVICE purpose. Marketing owns consent; this copies its
 * `marketing.consent.changed` events for EMAIL + SERVICE (inbox-deduplicated,
 * the later change winning). Service email goes out unless the contact
 * opted out — the rule marketing applies to its own SERVICE messages.
 */
@Injectable()
export class ServiceConsentConsumer implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const stream = await ensureStream(this.nc, this.naming, STREAMS.MARKETING);
    this.registry.register(
      new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream,
        durable: 'service_email_consent',
        eventTypes: [CONSENT_CHANGED],
        handler: async (event, em) => {
          const data = (event as ConsentChangedV1).data;
          if (data.channel !== 'EMAIL' || data.purpose !== 'SERVICE') return;
          await em.query(
            `INSERT INTO service_email_consents (tenant_id, contact_id, status, changed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, contact_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
               WHERE service_email_consents.changed_at <= EXCLUDED.changed_at`,
            [event.tenantId, data.contactId, data.status, data.changedAt],
          );
        },
      }),
    );
  }
}
