import type { EntityManager } from 'typeorm';

/** A satisfaction request belongs to its case's contact (the one who rates it): after these cases moved, their requests follow. */
export async function followCaseContacts(em: EntityManager, caseIds: readonly string[]): Promise<void> {
  if (caseIds.length === 0) return;
  await em.query(
    `UPDATE satisfaction_requests r SET contact_id = c.contact_id FROM cases_all c
      WHERE c.id = ANY($1::uuid[]) AND r.case_id = c.id AND c.contact_id IS NOT NULL AND r.contact_id IS DISTINCT FROM c.contact_id`,
    [caseIds],
  );
}
