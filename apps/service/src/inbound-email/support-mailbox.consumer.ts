import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TENANT_CREATED, type TenantCreatedV1 } from '@rapport/contracts';
import { IdentityStream } from '@rapport/service-kit';
import { createSupportMailbox } from './inbound-mailboxes';

/**
 * Each tenant's support mailbox, `<slug>@SERVICE_INBOUND_EMAIL_DOMAIN`,
 * from identity.tenant.created. A durable consumer of its own, not part of
 * tenant preparation: tenants prepared before mailboxes existed were never
 * given one, the service cannot read identity's tenants (ADR 026), and a new
 * durable consumer reads the IDENTITY stream from its beginning — so its
 * first run gives every existing tenant its mailbox, and later runs each new
 * one. Idempotent: a mailbox already there is kept.
 */
@Injectable()
export class SupportMailboxConsumer implements OnModuleInit {
  constructor(private readonly identity: IdentityStream) {}

  async onModuleInit(): Promise<void> {
    await this.identity.consume('support-mailboxes', [TENANT_CREATED], async (event, em) => {
      const { tenant } = (event as TenantCreatedV1).data;
      await createSupportMailbox(em, tenant.id, tenant.slug);
    });
  }
}
