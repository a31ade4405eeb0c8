import { EVERY_RECORD, type RecordScope } from '@rapport/auth';
import { visibleSql } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

export interface DuplicateCandidate {
  kind: 'LEAD' | 'CONTACT';
  id: string;
  /** The rule that matched; exact email for now (normalised phone and fuzzy name come with tenant matching rules). */
  matchedOn: 'EMAIL';
}

const LIMIT = 10;

/**
 * Open leads and contacts with exactly this (lower-cased) email. Advisory:
 * creating a lead is never blocked; the caller decides what to do.
 * Converted leads are skipped: their person is now a contact and matches as one.
 * Only records in the caller's sharing scopes are candidates: a candidate is
 * named to the caller, so a hidden one would reveal itself.
 */
export async function findDuplicates(
  em: EntityManager,
  email: string | null,
  excludeLeadId: string | null,
  visible: { leads: RecordScope; contacts: RecordScope } = { leads: EVERY_RECORD, contacts: EVERY_RECORD },
): Promise<DuplicateCandidate[]> {
  if (!email) return [];
  const leadParams: unknown[] = [email, excludeLeadId];
  const leads: { id: string }[] = await em.query(
    `SELECT id FROM leads WHERE email = $1 AND status <> 'CONVERTED' AND id IS DISTINCT FROM $2
       AND ${visibleSql(visible.leads, 'owner_id', leadParams)} ORDER BY created_at, id LIMIT ${LIMIT}`,
    leadParams,
  );
  const contactParams: unknown[] = [email];
  const contacts: { id: string }[] = await em.query(
    `SELECT id FROM contacts WHERE $1 = ANY(emails) AND ${visibleSql(visible.contacts, 'owner_id', contactParams)}
       ORDER BY created_at, id LIMIT ${LIMIT}`,
    contactParams,
  );
  return [
    ...leads.map((r) => ({ kind: 'LEAD' as const, id: r.id, matchedOn: 'EMAIL' as const })),
    ...contacts.map((r) => ({ kind: 'CONTACT' as const, id: r.id, matchedOn: 'EMAIL' as const })),
  ];
}
