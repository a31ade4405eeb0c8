import { enableTenantRls } from '@rapport/persistence';
import type { QueryRunner } from 'typeorm';
import { MERGE_MEMBERS } from './tables';

/**
 * Creates the merge log in the calling service's schema (each service runs
 * this from its own migration). One row per record a sales merge named:
 * - `merged_at` null: only the unmerge has arrived so far (redelivery can
 *   reorder), so the merge is undone before it is seen;
 * - `unmerged_at` set: undone;
 * - `legacy`: backfilled from a projection that kept no merge ids; an
 *   unmerge matches it by survivor and member instead.
 * A record's direct survivor is that of its newest merge in force (merged,
 * not undone). That is a function of which events arrived, not of their
 * order, so every replica and every redelivery converges on sales' answer.
 */
export async function createMergeMembersTable(q: QueryRunner): Promise<void> {
  await q.query(`CREATE TABLE ${MERGE_MEMBERS} (
    tenant_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('CONTACT', 'ACCOUNT')),
    merge_id uuid NOT NULL,
    member_id uuid NOT NULL,
    survivor_id uuid NOT NULL,
    merged_at timestamptz(3),
    unmerged_at timestamptz(3),
    legacy boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, kind, merge_id, member_id)
  )`);
  await q.query(
    `CREATE INDEX ${MERGE_MEMBERS}_in_force ON ${MERGE_MEMBERS} (tenant_id, kind, member_id, merged_at DESC, merge_id DESC)
      WHERE merged_at IS NOT NULL AND unmerged_at IS NULL`,
  );
  await enableTenantRls(q, MERGE_MEMBERS);
}

/**
 * Backfills the merge log from a projection that kept only each record's
 * direct parent (`parentColumn`), as legacy rows with a stable made-up merge id.
 */
export async function backfillLegacyMerges(
  q: QueryRunner,
  kind: 'CONTACT' | 'ACCOUNT',
  table: string,
  parentColumn: string,
): Promise<void> {
  await q.query(
    `INSERT INTO ${MERGE_MEMBERS} (tenant_id, kind, merge_id, member_id, survivor_id, merged_at, legacy)
     SELECT r.tenant_id, $1, md5(r.tenant_id::text || r.id::text || r.${parentColumn}::text)::uuid, r.id, r.${parentColumn}, r.projected_at, true
       FROM ${table} r WHERE r.${parentColumn} IS NOT NULL
     ON CONFLICT DO NOTHING`,
    [kind],
  );
}
