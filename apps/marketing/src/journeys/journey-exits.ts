import type { EntityManager } from 'typeorm';

/**
 * These contacts' running journey runs end: merged into another contact
 * (the survivor's own runs go on: one customer, one run per journey) or
 * deleted (a restore does not resume them: the journey's moment has passed).
 * Called by the read model in the event's transaction.
 */
export async function exitRunsOf(
  em: EntityManager,
  tenantId: string,
  contactIds: readonly string[],
  reason: 'MERGED' | 'DELETED',
): Promise<void> {
  await em.query(
    `UPDATE journey_enrollments SET status = 'EXITED', exit_reason = $3, finished_at = now(), position = -1, updated_at = now()
      WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND status IN ('ACTIVE', 'PAUSED')`,
    [tenantId, contactIds, reason],
  );
}
