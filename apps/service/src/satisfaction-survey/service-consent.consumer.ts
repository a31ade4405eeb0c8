import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CONSENT_CHANGED, STREAMS, type ConsentChangedV1 } from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';

/**
 * The one consent the service desk needs: may a contact be emailed for the
 * SERVICE purpose. Marketing owns consent; this copies its
 * `marketing.consent.changed` events for EMAIL + SERVICE (inbox-deduplicated,
 * the later change winning). Service email goes out unless the contact
 * opted out — the rule marketing applies to its own SERVICE messages.
 */
@Injectable()
export class ServiceConsentConsumer implements OnModuleInit {
  constructor(private readonly registry: ConsumerRegistry) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consume(STREAMS.MARKETING, {
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
    });
  }
}
