import { Injectable } from '@nestjs/common';
import { applyMerge, applyUnmerge, type CustomerKind, type CustomerTable, type SurvivorChange } from '@rapport/customer-master';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/** Service's projection tables of sales' customer master. */
export const CUSTOMER_TABLES: Record<CustomerKind, CustomerTable> = {
  CONTACT: { kind: 'CONTACT', table: 'customer_contacts' },
  ACCOUNT: { kind: 'ACCOUNT', table: 'customer_accounts' },
};

/** The cases column that stands at the survivor of the record the case was opened for (`named_*`). Trusted identifiers. */
const CASE_LINKS: Record<CustomerKind, { column: string; named: string; records: string }> = {
  CONTACT: { column: 'contact_id', named: 'named_contact_id', records: 'customer_contacts' },
  ACCOUNT: { column: 'account_id', named: 'named_account_id', records: 'customer_accounts' },
};

export interface MergeData {
  survivorId: string;
  mergedIds: string[];
  mergeId: string;
  mergedAt: string;
}

export interface UnmergeData {
  survivorId: string;
  restoredIds: string[];
  mergeId: string;
  unmergedAt: string;
}

/**
 * Applies sales' merges to what service keeps per contact or account, in
 * the event's inbox transaction (ADR 008, libs/customer-master): the shared
 * log decides who stands for whom, and every case opened for a record that
 * moved stands at that record's survivor now — on a merge at the survivor,
 * on the unmerge back where it was opened. Satisfaction requests follow their
 * case (the contact who rates it). A contact keeps the account sales gave
 * it; account merges are followed when that account is read.
 */
@Injectable()
export class CustomerMerges {
  async applyMerge(em: EntityManager, tenantId: string, kind: CustomerKind, data: MergeData): Promise<void> {
    await this.followChanges(em, kind, await applyMerge(em, tenantId, CUSTOMER_TABLES[kind], data));
  }

  async applyUnmerge(em: EntityManager, tenantId: string, kind: CustomerKind, data: UnmergeData): Promise<void> {
    await this.followChanges(em, kind, await applyUnmerge(em, tenantId, CUSTOMER_TABLES[kind], data));
  }

  private async followChanges(em: EntityManager, kind: CustomerKind, changes: readonly SurvivorChange[]): Promise<void> {
    if (changes.length === 0) return;
    const link = CASE_LINKS[kind];
    const moved = returnedRows<{ id: string }>(
      await em.query(
        // Deleted cases waiting out their restore window follow too: a restore brings them back at the survivor.
        `UPDATE cases_all c SET ${link.column} = coalesce(r.merged_into, r.id)
         FROM ${link.records} r
        WHERE r.id = c.${link.named} AND c.${link.named} = ANY($1::uuid[])
          AND c.${link.column} IS DISTINCT FROM coalesce(r.merged_into, r.id)
        RETURNING c.id`,
        [changes.map((c) => c.id)],
      ),
    );
    if (kind === 'CONTACT') await this.satisfactionFollows(em, moved);
  }

  /** A satisfaction request belongs to its case's contact (the one who rates it). */
  private async satisfactionFollows(em: EntityManager, cases: { id: string }[]): Promise<void> {
    if (cases.length === 0) return;
    await em.query(
      `UPDATE satisfaction_requests r SET contact_id = c.contact_id FROM cases_all c
        WHERE c.id = ANY($1::uuid[]) AND r.case_id = c.id AND c.contact_id IS NOT NULL AND r.contact_id IS DISTINCT FROM c.contact_id`,
      [cases.map((c) => c.id)],
    );
  }
}
