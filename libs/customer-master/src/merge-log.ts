import type { EntityManager } from 'typeorm';
import { MERGE_MEMBERS, type CustomerTable } from './tables';

export interface MergeRecord {
  mergeId: string;
  survivorId: string;
  mergedIds: readonly string[];
  /** When sales merged (the event's occurredAt): the newer of two merges in force wins while events catch up. */
  mergedAt: string;
}

export interface UnmergeRecord {
  mergeId: string;
  survivorId: string;
  restoredIds: readonly string[];
  unmergedAt: string;
}

/** The records a merge names, without the survivor and without repeats. */
export function membersOf(merge: { survivorId: string; mergedIds?: readonly string[]; restoredIds?: readonly string[] }): string[] {
  return [...new Set(merge.mergedIds ?? merge.restoredIds ?? [])].filter((id) => id !== merge.survivorId);
}

/** Logs a merge; a redelivery changes nothing, and an undo that arrived first keeps it undone. */
export async function logMerge(em: EntityManager, tenantId: string, t: CustomerTable, merge: MergeRecord): Promise<void> {
  await em.query(
    `INSERT INTO ${MERGE_MEMBERS} (tenant_id, kind, merge_id, member_id, survivor_id, merged_at)
     SELECT $1, $2, $3, m.id, $4, $5 FROM unnest($6::uuid[]) AS m(id)
     ON CONFLICT (tenant_id, kind, merge_id, member_id) DO UPDATE SET merged_at = coalesce(${MERGE_MEMBERS}.merged_at, EXCLUDED.merged_at)`,
    [tenantId, t.kind, merge.mergeId, merge.survivorId, merge.mergedAt, membersOf(merge)],
  );
}

/** Logs an undo: the merge's rows are out of force, also when the merge itself has not arrived yet. */
export async function logUnmerge(em: EntityManager, tenantId: string, t: CustomerTable, unmerge: UnmergeRecord): Promise<void> {
  const restored = membersOf(unmerge);
  await em.query(
    `INSERT INTO ${MERGE_MEMBERS} (tenant_id, kind, merge_id, member_id, survivor_id, unmerged_at)
     SELECT $1, $2, $3, m.id, $4, $5 FROM unnest($6::uuid[]) AS m(id)
     ON CONFLICT (tenant_id, kind, merge_id, member_id) DO UPDATE SET unmerged_at = coalesce(${MERGE_MEMBERS}.unmerged_at, EXCLUDED.unmerged_at)`,
    [tenantId, t.kind, unmerge.mergeId, unmerge.survivorId, unmerge.unmergedAt, restored],
  );
  await em.query(
    `UPDATE ${MERGE_MEMBERS} SET unmerged_at = $5
      WHERE tenant_id = $1 AND kind = $2 AND legacy AND survivor_id = $3 AND member_id = ANY($4::uuid[]) AND unmerged_at IS NULL`,
    [tenantId, t.kind, unmerge.survivorId, restored, unmerge.unmergedAt],
  );
}
