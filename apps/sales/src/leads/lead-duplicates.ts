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
 */
export async function findDuplicates(em: EntityManager, email: string | null, excludeLeadId: string | null): Promise<DuplicateCandidate[]> {
  if (!email) return [];
  const leads: { id: string }[] = await em.query(
    `SELECT id FROM leads WHERE email = $1 AND status <> 'CONVERTED' AND id IS DISTINCT FROM $2 ORDER BY created_at, id LIMIT ${LIMIT}`,
    [email, excludeLeadId],
  );
  const contacts: { id: string }[] = await em.query(
    `SELECT id FROM contacts WHERE $1 = ANY(emails) ORDER BY created_at, id LIMIT ${LIMIT}`,
    [email],
  );
  return [
    ...leads.map((r) => ({ kind: 'LEAD' as const, id: r.id, matchedOn: 'EMAIL' as const })),
    ...contacts.map((r) => ({ kind: 'CONTACT' as const, id: r.id, matchedOn: 'EMAIL' as const })),
  ];
}
