import { tenantPhoneDefault } from '../duplicates/phone-default';
import { Injectable } from '@nestjs/common';
import { badUserInput, inScope, type Principal, type RecordScope } from '@rapport/auth';
import { OwnerDirectory, ServiceDatabase, SharingPolicy } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { AccountEntity } from '../accounts/account.entity';
import type { ContactEntity } from '../contacts/contact.entity';
import type { AccountDuplicateRuleConfig } from '../duplicates/account-duplicate-rules';
import { AccountDuplicatesService, type AccountDuplicateCandidate } from '../duplicates/account-duplicates.service';
import type { DuplicateRuleConfig } from '../duplicates/duplicate-rules';
import { DuplicatesService, type DuplicateCandidate } from '../duplicates/duplicates.service';
import { fillExisting } from './customer-fill';
import { insertAll } from './customer-inserts';
import { matchAccounts, matchContacts, resolveAccounts } from './customer-matching';
import { identityKeys, pendingCustomers, type CustomerKind, type PendingRow } from './customer-rows';
import type { MappedRow } from './import-mapping';
import type { ImportDuplicatePolicy, ImportOptions } from './import-options';
import { invalid, skip, type ImportRowResult } from './import-report';

interface Plan {
  toCreate: PendingRow[];
  toUpdate: { p: PendingRow; targetId: string }[];
}

/**
 * Contacts and accounts: the batch is validated, matched against what exists
 * (and against earlier rows of the same batch), checked against the tenant's
 * contact or account duplicate rules, and written set-based in one
 * transaction.
 */
@Injectable()
export class CustomerImportService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly duplicates: DuplicatesService,
    private readonly accountDuplicates: AccountDuplicatesService,
    private readonly owners: OwnerDirectory,
    private readonly sharing: SharingPolicy,
  ) {}

  async importCustomers(
    principal: Principal,
    kind: CustomerKind,
    mapped: (MappedRow | null)[],
    results: ImportRowResult[],
    options: ImportOptions,
  ): Promise<void> {
    const phoneDefault = await this.db.withTenant(principal.tenantId, tenantPhoneDefault);
    const pending = pendingCustomers(principal, kind, mapped, results, options, phoneDefault);
    if (pending.length === 0) return;
    // Once for the batch, before its transaction: owners identity created a moment ago.
    await this.owners.awaitInFlight(
      principal,
      pending.map((p) => p.entity.ownerId),
    );

    const scopes = { read: await this.sharing.readScope(principal, kind), write: await this.sharing.writeScope(principal, kind) };

    await this.db.withTenant(principal.tenantId, async (em) => {
      const rules = kind === 'CONTACT' ? await this.duplicates.rulesWithin(em) : await this.accountDuplicates.rulesWithin(em);
      const policy: ImportDuplicatePolicy = options.duplicatePolicy ?? rules.policy;

      // Rows stay in play while nothing is wrong with them (code null).
      await this.refuseOwners(em, principal, pending, results);
      const owned = pending.filter((p) => results[p.n].code === null);
      if (kind === 'CONTACT') await resolveAccounts(em, owned, results);
      const live = owned.filter((p) => results[p.n].code === null);
      const source = options.externalIdSource ?? null;
      const existing = kind === 'CONTACT' ? await matchContacts(em, live, source) : await matchAccounts(em, live, source);
      const plan: Plan = { toCreate: [], toUpdate: [] };
      const unmatched = this.sortKnown(kind, live, existing, policy, results, plan);
      await this.checkDuplicates(em, kind, rules, policy, unmatched, results, plan, scopes.read);
      await this.respectSharing(em, kind, scopes, plan, results);

      await insertAll(this.db, em, principal, kind, plan.toCreate, results);
      for (const u of plan.toUpdate) await fillExisting(this.db, em, principal, kind, u.p, u.targetId, results[u.p.n]);
    });
  }

  /** A row whose owner is not an active staff user of the tenant is INVALID on ownerId. */
  private async refuseOwners(em: EntityManager, principal: Principal, pending: PendingRow[], results: ImportRowResult[]): Promise<void> {
    const refusals = await this.owners.refusals(
      em,
      principal,
      pending.map((p) => p.entity.ownerId),
    );
    for (const p of pending) {
      const why = p.entity.ownerId ? refusals.get(p.entity.ownerId) : undefined;
      if (why) invalid(results[p.n], badUserInput('ownerId', why));
    }
  }

  /**
   * Rows already known (matched, or the same record as an earlier row of this
   * batch) are skipped or, under MERGE_INTO_EXISTING, fill their match; the
   * rest are returned.
   */
  private sortKnown(
    kind: CustomerKind,
    live: PendingRow[],
    existing: Map<number, string>,
    policy: ImportDuplicatePolicy,
    results: ImportRowResult[],
    plan: Plan,
  ): PendingRow[] {
    const seen = new Map<string, number>();
    const unmatched: PendingRow[] = [];
    for (const p of live) {
      const r = results[p.n];
      const keys = identityKeys(kind, p);
      const earlier = keys.map((k) => seen.get(k)).find((x) => x !== undefined);
      if (earlier !== undefined) {
        skip(r, 'DUPLICATE_IN_BATCH', `same record as row ${results[earlier].rowNumber} of this batch`);
        continue;
      }
      keys.forEach((k) => seen.set(k, p.n));
      const match = existing.get(p.n);
      if (match) {
        if (policy === 'MERGE_INTO_EXISTING') plan.toUpdate.push({ p, targetId: match });
        else Object.assign(skip(r, 'ALREADY_EXISTS', `already exists as ${match}`), { id: match });
      } else unmatched.push(p);
    }
    return unmatched;
  }

  /**
   * The tenant's sharing rules on rows matched to existing records: a hidden
   * match is reported without its id (the row is still not created twice —
   * the external id or email says it exists, never what it holds), and a
   * match the caller may see but not change is not filled.
   */
  private async respectSharing(
    em: EntityManager,
    kind: CustomerKind,
    scopes: { read: RecordScope; write: RecordScope },
    plan: Plan,
    results: ImportRowResult[],
  ): Promise<void> {
    if (scopes.read.all && scopes.write.all) return;
    const ids = [...new Set([...plan.toUpdate.map((u) => u.targetId), ...results.map((r) => r.id).filter((id): id is string => !!id)])];
    if (ids.length === 0) return;
    const rows: { id: string; owner_id: string | null }[] = await em.query(
      `SELECT id, owner_id FROM ${kind === 'CONTACT' ? 'contacts' : 'accounts'} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const owners = new Map(rows.map((r) => [r.id, r.owner_id]));
    const hidden = (id: string) => !inScope(scopes.read, owners.get(id) ?? null);
    for (const r of results) {
      if (r.code === 'ALREADY_EXISTS' && r.id && hidden(r.id))
        Object.assign(r, { id: null, reason: 'already exists (not shared with you)' });
    }
    plan.toUpdate = plan.toUpdate.filter(({ p, targetId }) => {
      if (hidden(targetId)) skip(results[p.n], 'ALREADY_EXISTS', 'already exists (not shared with you)');
      else if (!inScope(scopes.write, owners.get(targetId) ?? null)) {
        Object.assign(skip(results[p.n], 'NOT_WRITABLE', `${targetId} may only be changed by its owner, their managers and admins`), {
          id: targetId,
        });
      } else return true;
      return false;
    });
  }

  /** Rule-based duplicates (the tenant's contact or account rules) for rows that are not already known, per the policy. */
  private async checkDuplicates(
    em: EntityManager,
    kind: CustomerKind,
    rules: DuplicateRuleConfig | AccountDuplicateRuleConfig,
    policy: ImportDuplicatePolicy,
    unmatched: PendingRow[],
    results: ImportRowResult[],
    plan: Plan,
    visible: RecordScope,
  ): Promise<void> {
    if (policy === 'ALLOW' || unmatched.length === 0) {
      plan.toCreate.push(...unmatched);
      return;
    }
    const found =
      kind === 'CONTACT'
        ? await this.duplicates.findBatch(
            em,
            rules as DuplicateRuleConfig,
            unmatched.map((p) => p.entity as ContactEntity),
            [],
            visible,
          )
        : await this.accountDuplicates.findBatch(
            em,
            rules as AccountDuplicateRuleConfig,
            unmatched.map((p) => p.entity as AccountEntity),
            [],
            visible,
          );
    unmatched.forEach((p, i) => {
      const candidates = found[i];
      const r = results[p.n];
      if (candidates.length === 0) return plan.toCreate.push(p);
      const best = candidates[0];
      const bestId = 'contactId' in best ? best.contactId : best.accountId;
      if (kind === 'CONTACT') r.duplicates = candidates as DuplicateCandidate[];
      else r.accountDuplicates = candidates as AccountDuplicateCandidate[];
      const why = `possible duplicate of ${kind === 'ACCOUNT' ? 'account ' : ''}${bestId} (${best.rule}, score ${best.score})`;
      if (policy === 'BLOCK') skip(r, 'DUPLICATE', why);
      else if (policy === 'MERGE_INTO_EXISTING') plan.toUpdate.push({ p, targetId: bestId });
      else {
        r.code = 'POSSIBLE_DUPLICATE';
        r.reason = why;
        plan.toCreate.push(p);
      }
    });
  }
}
