import type { EntityManager } from 'typeorm';
import { compileForTenant } from '../segments/rule-compiler';
import type { MarketingSettings } from '../settings/marketing-settings';

/**
 * Whether a contact satisfies a journey rule now: a segment rule over the
 * contact's read-model row, plus the triggering event's data (event.<field>)
 * and what happened since the contact entered (ordersSinceEntry).
 */
export async function contactMatches(
  em: EntityManager,
  settings: MarketingSettings,
  tenantId: string,
  contactId: string,
  rule: unknown,
  context: { event: Record<string, unknown>; entryAt: Date; rootPath: string },
): Promise<boolean> {
  const compiled = await compileForTenant(em, settings, tenantId, rule, {
    rootPath: context.rootPath,
    scope: 'journey',
    journey: { event: context.event, entryAt: context.entryAt },
    paramOffset: 2,
  });
  const [row]: { ok: boolean }[] = await em.query(
    `SELECT coalesce((${compiled.sql}), false) AS ok FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2`,
    [tenantId, contactId, ...compiled.params],
  );
  return row?.ok === true;
}
