import { Injectable } from '@nestjs/common';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

export type CustomerKind = 'CONTACT' | 'ACCOUNT';

/** A column service keeps that points at a contact or account; re-pointed on merge, journalled, restored on unmerge. */
interface LinkSpec {
  target: 'cases.contact_id' | 'cases.account_id' | 'customer_contacts.account_id';
  table: string;
  column: string;
}

/** Trusted identifiers only (no input reaches these). */
const KINDS: Record<CustomerKind, { table: string; links: LinkSpec[] }> = {
  CONTACT: {
    table: 'customer_contacts',
    links: [{ target: 'cases.contact_id', table: 'cases', column: 'contact_id' }],
  },
  ACCOUNT: {
    table: 'customer_accounts',
    links: [
      { target: 'cases.account_id', table: 'cases', column: 'account_id' },
      // Sales moves the contacts of merged accounts without a contact.updated for each; the projection follows itself.
      { target: 'customer_contacts.account_id', table: 'customer_contacts', column: 'account_id' },
    ],
  },
};

export interface MergeData {
  survivorId: string;
  mergedIds: string[];
  mergeId: string;
}

export interface UnmergeData {
  survivorId: string;
  restoredIds: string[];
  mergeId: string;
}

/** One step of a merge chain: `fromId` resolves to the next record because of merge `mergeId`. */
export interface MergeHop {
  mergeId: string;
  fromId: string;
}

/**
 * Applies sales' merges to what service keeps per contact or account, in
 * the event's inbox transaction, journalling every row it re-points so the
 * unmerge restores exactly those rows (ADR 008):
 *
 * - cases (contact_id / account_id) move to the survivor; their
 *   satisfaction requests follow their case;
 * - account merges also move the projected contacts' account;
 * - a survivor without a known tier takes the newest tier of the merged
 *   contacts until analytics reports its own (undone on unmerge if untouched);
 * - the merged records point at the survivor directly (merged_into, merge_id),
 *   so nested merges form a chain that is followed on read, and undoing one
 *   merge clears only what it set.
 *
 * Sales refuses to undo a merge while a later merge involves its records,
 * so unmerges come newest first; a row restores only while it still points
 * at that merge's survivor. An unmerge that arrives before its merge (a
 * redelivery can reorder) leaves a tombstone and the late merge is skipped.
 */
@Injectable()
export class CustomerMerges {
  async applyMerge(em: EntityManager, tenantId: string, kind: CustomerKind, data: MergeData): Promise<void> {
    const spec = KINDS[kind];
    const survivorId = data.survivorId;
    const mergedIds = [...new Set(data.mergedIds)].filter((id) => id !== survivorId);
    if (mergedIds.length === 0) return;
    const existing: unknown[] = await em.query(`SELECT 1 FROM customer_merges WHERE id = $1 FOR UPDATE`, [data.mergeId]);
    if (existing.length > 0) return; // applied already, or undone before it arrived
    await em.query(
      `INSERT INTO customer_merges (tenant_id, id, kind, survivor_id, merged_ids, applied_at) VALUES ($1, $2, $3, $4, $5, now())`,
      [tenantId, data.mergeId, kind, survivorId, mergedIds],
    );
    // Known or not yet: a merged record whose creation arrives later still resolves to the survivor.
    await em.query(`INSERT INTO ${spec.table} (tenant_id, id) SELECT $1, m.id FROM unnest($2::uuid[]) AS m(id) ON CONFLICT DO NOTHING`, [
      tenantId,
      mergedIds,
    ]);
    // Only the merged rows are locked (a case being opened locks its chain leaf first; see CaseCustomers).
    await em.query(`UPDATE ${spec.table} SET merged_into = $1, merge_id = $2, projected_at = now() WHERE id = ANY($3::uuid[])`, [
      survivorId,
      data.mergeId,
      mergedIds,
    ]);
    const movedCases: string[] = [];
    for (const link of spec.links) {
      const moved: { row_id: string }[] = await em.query(
        `WITH moved AS (SELECT id, ${link.column} AS from_id FROM ${link.table} WHERE ${link.column} = ANY($3::uuid[]) FOR UPDATE),
              upd AS (UPDATE ${link.table} t SET ${link.column} = $4 FROM moved WHERE t.id = moved.id)
         INSERT INTO customer_merge_links (tenant_id, merge_id, target, row_id, from_id)
         SELECT $1, $2, '${link.target}', id, from_id FROM moved RETURNING row_id`,
        [tenantId, data.mergeId, mergedIds, survivorId],
      );
      if (link.table === 'cases') movedCases.push(...moved.map((m) => m.row_id));
    }
    await this.satisfactionFollows(em, movedCases);
    if (kind === 'CONTACT') {
      const copied: { tier: string; changed_at: Date }[] = await em.query(
        `INSERT INTO contact_tiers (tenant_id, contact_id, tier, changed_at)
         SELECT $1, $2, tier, changed_at FROM contact_tiers
          WHERE contact_id = ANY($3::uuid[]) AND NOT EXISTS (SELECT 1 FROM contact_tiers WHERE contact_id = $2)
          ORDER BY changed_at DESC LIMIT 1
         RETURNING tier, changed_at`,
        [tenantId, survivorId, mergedIds],
      );
      if (copied.length > 0) {
        await em.query(`UPDATE customer_merges SET tier_copied = $2 WHERE id = $1`, [
          data.mergeId,
          JSON.stringify({ tier: copied[0].tier, changedAt: new Date(copied[0].changed_at).toISOString() }),
        ]);
      }
    }
  }

  async applyUnmerge(em: EntityManager, tenantId: string, kind: CustomerKind, data: UnmergeData): Promise<void> {
    const spec = KINDS[kind];
    const [m]: { survivor_id: string; unmerged_at: Date | null; tier_copied: { tier: string; changedAt: string } | null }[] =
      await em.query(`SELECT survivor_id, unmerged_at, tier_copied FROM customer_merges WHERE id = $1 FOR UPDATE`, [data.mergeId]);
    if (!m) {
      await em.query(
        `INSERT INTO customer_merges (tenant_id, id, kind, survivor_id, merged_ids, unmerged_at) VALUES ($1, $2, $3, $4, $5, now())`,
        [tenantId, data.mergeId, kind, data.survivorId, data.restoredIds],
      );
      return;
    }
    if (m.unmerged_at) return;
    await em.query(`UPDATE ${spec.table} SET merged_into = NULL, merge_id = NULL, projected_at = now() WHERE merge_id = $1`, [
      data.mergeId,
    ]);
    const restoredCases: string[] = [];
    for (const link of spec.links) {
      const restored = returnedRows<{ id: string }>(
        await em.query(
          `UPDATE ${link.table} t SET ${link.column} = l.from_id
             FROM customer_merge_links l
            WHERE l.merge_id = $1 AND l.target = '${link.target}' AND t.id = l.row_id AND t.${link.column} = $2
            RETURNING t.id`,
          [data.mergeId, m.survivor_id],
        ),
      );
      if (link.table === 'cases') restoredCases.push(...restored.map((r) => r.id));
    }
    await this.satisfactionFollows(em, restoredCases);
    if (kind === 'CONTACT' && m.tier_copied) {
      // The stand-in tier goes unless analytics has reported the survivor's own since.
      await em.query(`DELETE FROM contact_tiers WHERE contact_id = $1 AND tier = $2 AND changed_at = $3`, [
        m.survivor_id,
        m.tier_copied.tier,
        m.tier_copied.changedAt,
      ]);
    }
    await em.query(`UPDATE customer_merges SET unmerged_at = now() WHERE id = $1`, [data.mergeId]);
  }

  /**
   * A row pointed at a merged record on purpose after the merge (a case
   * opened naming it, resolved to the survivor): journalled under every
   * merge of the chain, so each unmerge takes it one step back.
   */
  async journal(em: EntityManager, tenantId: string, target: LinkSpec['target'], rowId: string, hops: MergeHop[]): Promise<void> {
    for (const hop of hops) {
      await em.query(
        `INSERT INTO customer_merge_links (tenant_id, merge_id, target, row_id, from_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [tenantId, hop.mergeId, target, rowId, hop.fromId],
      );
    }
  }

  /** A satisfaction request belongs to its case's contact (the one who rates it). */
  private async satisfactionFollows(em: EntityManager, caseIds: string[]): Promise<void> {
    if (caseIds.length === 0) return;
    await em.query(
      `UPDATE satisfaction_requests r SET contact_id = c.contact_id FROM cases c
        WHERE c.id = ANY($1::uuid[]) AND r.case_id = c.id AND c.contact_id IS NOT NULL AND r.contact_id IS DISTINCT FROM c.contact_id`,
      [caseIds],
    );
  }
}
