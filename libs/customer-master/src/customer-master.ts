import type { EntityManager } from 'typeorm';
import { logMerge, logUnmerge, membersOf, type MergeRecord, type UnmergeRecord } from './merge-log';
import { ensureRecords, recomputeSurvivors, type SurvivorChange } from './survivors';
import type { CustomerTable } from './tables';

/**
 * Serialises merge bookkeeping per tenant and kind inside the event's
 * transaction: two merges touching one chain must not recompute it from
 * each other's half-written state.
 */
async function lockMerges(em: EntityManager, tenantId: string, t: CustomerTable): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`customer-master:${t.kind}:${tenantId}`]);
}

/**
 * Applies a sales merge to the service's projection (in the event's inbox
 * transaction): logs it and moves every record that now stands for another
 * survivor. Returns those records, for the service to re-point its own rows.
 */
export async function applyMerge(em: EntityManager, tenantId: string, t: CustomerTable, merge: MergeRecord): Promise<SurvivorChange[]> {
  const members = membersOf(merge);
  if (members.length === 0) return [];
  await lockMerges(em, tenantId, t);
  await logMerge(em, tenantId, t, merge);
  // Known or not yet: a merged record whose snapshot arrives later must already resolve to the survivor.
  await ensureRecords(em, tenantId, t, [merge.survivorId, ...members]);
  return recomputeSurvivors(em, tenantId, t, [merge.survivorId, ...members]);
}

/** Applies a sales unmerge: the restored records (and what was merged into them) stand for themselves again. */
export async function applyUnmerge(
  em: EntityManager,
  tenantId: string,
  t: CustomerTable,
  unmerge: UnmergeRecord,
): Promise<SurvivorChange[]> {
  const members = membersOf(unmerge);
  if (members.length === 0) return [];
  await lockMerges(em, tenantId, t);
  // An undo names only records of its merge: ones the projection never held stay unknown.
  await logUnmerge(em, tenantId, t, unmerge);
  return recomputeSurvivors(em, tenantId, t, [unmerge.survivorId, ...members]);
}
