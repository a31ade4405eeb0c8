import { Injectable } from '@nestjs/common';
import { applyMerge, applyUnmerge, type CustomerKind, type CustomerTable, type SurvivorChange } from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';
import { repointCasesOf } from '../cases/case-rows';
import { followCaseContacts } from '../satisfaction/request-contacts';

/** Service's projection tables of sales' customer master. */
export const CUSTOMER_TABLES: Record<CustomerKind, CustomerTable> = {
  CONTACT: { kind: 'CONTACT', table: 'customer_contacts' },
  ACCOUNT: { kind: 'ACCOUNT', table: 'customer_accounts' },
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
    const moved = await repointCasesOf(
      em,
      kind,
      changes.map((c) => c.id),
    );
    if (kind === 'CONTACT') await followCaseContacts(em, moved);
  }
}
