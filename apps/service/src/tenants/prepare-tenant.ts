import type { TenantSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { createDefaultEscalationRules } from '../escalation/escalation-store';
import { createDefaultKnowledgeSettings } from '../knowledge/knowledge-settings.service';

/**
 * A new tenant's knowledge settings (search language and default locale,
 * the schema's defaults) and its escalation rules (the default set, which
 * escalates each SLA breach as the service always did; ADR 051), on
 * identity.tenant.created (its support mailbox
 * comes from SupportMailboxConsumer, which also serves tenants prepared
 * before mailboxes existed). Queues, calendars and
 * SLA policies are the tenant's own choices: none exist until an admin makes
 * them (cases then go to no queue and start no timer), so none are invented
 * here. Reads still fall back to the defaults for tenants without the row.
 */
export async function prepareServiceTenant(em: EntityManager, tenant: TenantSnapshotV1): Promise<void> {
  await createDefaultKnowledgeSettings(em, tenant.id);
  await createDefaultEscalationRules(em, tenant.id);
}
