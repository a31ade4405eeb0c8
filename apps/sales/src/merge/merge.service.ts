import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, inScope, notFound, type Principal, type RecordScope } from '@rapport/auth';
import { ACCOUNT_MERGED, ACCOUNT_UNMERGED, ACCOUNT_UPDATED, CONTACT_MERGED, CONTACT_UNMERGED, CONTACT_UPDATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { OwnerDirectory, ServiceDatabase, SharingPolicy, validate } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AccountEntity } from '../accounts/account.entity';
import { accountSnapshot } from '../accounts/accounts.service';
import { ContactEntity } from '../contacts/contact.entity';
import { touchContacts } from '../contacts/contact-rows';
import { contactSnapshot } from '../contacts/contact-snapshot';
import { loadExternalIds } from '../external-ids/external-ids';
import type { MergeKind } from './merge-links';
import {
  changedFields,
  changedSinceMerge,
  MERGE_KINDS,
  mergeRecordOf,
  parseMergeInput,
  requireChange,
  requireMergeable,
  requireMergeRole,
  survivorValues,
  movedContactIds,
  parseUnmergeChoices,
  survivorAfterUnmerge,
  type FieldConflict,
  type UnmergeChoice,
  type LinkImage,
  type MergeImages,
  type MergeInput,
  type MergeRecord,
  type Row,
} from './merge-plan';
import { mergeImagesRemoved } from './merge-images';
import { images, linksStillOnSurvivor, lockRecords, repointLinks, restoreLinks, updateColumns } from './merge-store';

/**
 * Merging duplicate contacts or accounts, and undoing a merge.
 *
 * Merged records are kept (merged_into = survivor, merged_at), hidden from
 * lists and read-only; `contact(id)` still returns a merged record as itself
 * with `mergedInto` set (clients follow it), while `contactByExternalId`
 * resolves to the survivor. Every row the merge touches is journalled in
 * `contact_merges` (before-images and after-images) so `unmerge*` can restore
 * it while the merge is retained. The rules are in merge-plan.ts, the SQL of
 * records and links in merge-store.ts.
 */
@Injectable()
export class MergeService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
    private readonly sharing: SharingPolicy,
  ) {}

  mergeContacts(principal: Principal, input: MergeInput) {
    return this.merge(principal, 'CONTACT', input);
  }

  mergeAccounts(principal: Principal, input: MergeInput) {
    return this.merge(principal, 'ACCOUNT', input);
  }

  async merge(principal: Principal, kind: MergeKind, input: MergeInput): Promise<MergeRecord> {
    requireMergeRole(principal);
    const spec = MERGE_KINDS[kind];
    const { survivorId, mergedIds, choices } = parseMergeInput(kind, input);
    const all = [survivorId, ...mergedIds];
    const scopes = await this.scopes(principal, kind);

    return this.db.withTenant(principal.tenantId, async (em) => {
      const byId = new Map((await lockRecords(em, spec.table, all)).map((r) => [r.id as string, r]));
      const records = all.map((id) => {
        const row = byId.get(id);
        if (!row) throw notFound(spec.label, id);
        requireMergeable(scopes, spec.label, row);
        return row;
      });
      const survivor = records[0];
      const set = survivorValues(kind, records, choices);
      // Taking another record's owner sets an owner: it must still be able to own records.
      const ownerChoice = choices.findIndex((c) => c.field === 'ownerId');
      if (ownerChoice >= 0 && typeof set.owner_id === 'string' && set.owner_id !== survivor.owner_id) {
        await this.owners.requireOwners(em, principal, [{ field: `fieldChoices[${ownerChoice}].fromId`, id: set.owner_id }]);
      }
      if (kind === 'CONTACT' && typeof set.account_id === 'string') {
        const [acc] = await em.query(`SELECT merged_into FROM accounts WHERE id = $1`, [set.account_id]);
        if (!acc || acc.merged_into) throw badUserInput('fieldChoices', `account ${String(set.account_id)} is not a live account`);
      }

      const links = await repointLinks(em, kind, survivorId, mergedIds);
      const now = new Date();
      await updateColumns(em, spec.table, survivorId, { ...set, updated_at: now.toISOString() });
      await em.query(`UPDATE ${spec.table} SET merged_into = $1, merged_at = $2, updated_at = $2 WHERE id = ANY($3::uuid[])`, [
        survivorId,
        now,
        mergedIds,
      ]);
      const after = await images(em, spec.table, all);
      const mergeId = uuidv7();
      const before: MergeImages = { records, links };
      await em.query(
        `INSERT INTO contact_merges (id, tenant_id, kind, survivor_id, merged_ids, merged_by, merged_at, before_images, after_images)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          mergeId,
          principal.tenantId,
          kind,
          survivorId,
          mergedIds,
          principal.id,
          now,
          JSON.stringify(before),
          JSON.stringify({ records: after }),
        ],
      );

      await this.db.publish(
        em,
        newEvent({
          type: kind === 'CONTACT' ? CONTACT_MERGED : ACCOUNT_MERGED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: survivorId,
          data: { survivorId, mergedIds, mergeId },
        }),
      );
      await this.publishUpdated(em, principal, kind, survivorId, changedFields(kind, survivor, after[0]));
      await this.publishAccountMoves(em, principal, links, now);
      return {
        id: mergeId,
        kind,
        survivorId,
        mergedIds,
        mergedBy: principal.id,
        mergedAt: now,
        unmergedBy: null,
        unmergedAt: null,
        relinkedCount: links.length,
      };
    });
  }

  /**
   * Undoes a merge, keeping what happened since. The merged records get
   * their exact pre-merge rows back (they are read-only while merged; one
   * merged again, or a survivor merged since, is a CONFLICT: undo the later
   * merge first). Rows the merge re-pointed go back to the record they came
   * from while they still point at the survivor (deleted or moved since:
   * left as they are). The survivor keeps its later edits and gives back
   * what the merge brought (survivorAfterUnmerge); a field changed both by
   * the merge and since is a CONFLICT listing each such field in
   * extensions.conflicts, until `choices` says which value to keep.
   * updated_at is set to now so downstream projections accept the change.
   */
  async unmerge(principal: Principal, kind: MergeKind, mergeIdInput: string, choicesInput?: UnmergeChoice[] | null): Promise<MergeRecord> {
    requireMergeRole(principal);
    const spec = MERGE_KINDS[kind];
    const mergeId = validate.requireUuid('mergeId', mergeIdInput);
    const choices = parseUnmergeChoices(kind, choicesInput);
    const scopes = await this.scopes(principal, kind);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [m] = await em.query(`SELECT * FROM contact_merges WHERE id = $1 AND kind = $2 FOR UPDATE`, [mergeId, kind]);
      if (!m) throw notFound('Merge', mergeId);
      if (m.unmerged_at) throw conflict(`merge ${mergeId} was already undone at ${new Date(m.unmerged_at).toISOString()}`, 'mergeId');
      const removed = mergeImagesRemoved(mergeId, m.before_images);
      if (removed) throw removed;
      const before = m.before_images as MergeImages;
      const afterRecords = (m.after_images as { records: Row[] }).records;
      const ids = before.records.map((r) => r.id as string);
      await em.query(`SELECT id FROM ${spec.table} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
      const current = await images(em, spec.table, ids);
      for (const c of current) if (c) requireChange(scopes, spec.label, c);
      const [survivorNow] = current;
      const problems = changedSinceMerge(spec.label, afterRecords.slice(1), current.slice(1));
      if (!survivorNow) problems.unshift(`${spec.label.toLowerCase()} ${String(m.survivor_id)} no longer exists`);
      else if (survivorNow.merged_into) {
        problems.unshift(`${spec.label.toLowerCase()} ${String(m.survivor_id)} was merged into ${String(survivorNow.merged_into)} since`);
      }
      if (problems.length > 0) {
        throw conflict(`cannot undo merge ${mergeId}: ${problems.join('; ')}. Undo the later merges first and retry.`, 'mergeId');
      }
      const survivor = survivorAfterUnmerge(kind, { before: before.records[0], after: afterRecords[0], current: survivorNow }, choices);
      if (survivor.conflicts.length > 0) throw unmergeConflict(mergeId, survivor.conflicts);

      const links = await linksStillOnSurvivor(em, before.links, m.survivor_id);
      await restoreLinks(em, links);
      const now = new Date();
      // Merged records first: the survivor's restore must not trip over anything pointing at them.
      for (const r of before.records.slice(1).reverse()) {
        const { id, tenant_id: _t, ...columns } = r;
        await updateColumns(em, spec.table, id as string, { ...columns, updated_at: now.toISOString() });
      }
      await updateColumns(em, spec.table, m.survivor_id, { ...survivor.set, updated_at: now.toISOString() });
      await em.query(`UPDATE contact_merges SET unmerged_at = $2, unmerged_by = $3 WHERE id = $1`, [mergeId, now, principal.id]);

      const survivorId = m.survivor_id as string;
      const restoredIds = m.merged_ids as string[];
      await this.db.publish(
        em,
        newEvent({
          type: kind === 'CONTACT' ? CONTACT_UNMERGED : ACCOUNT_UNMERGED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: survivorId,
          data: { survivorId, restoredIds, mergeId },
        }),
      );
      const restored = await images(em, spec.table, ids);
      for (let i = 0; i < ids.length; i++) {
        await this.publishUpdated(em, principal, kind, ids[i], changedFields(kind, current[i], restored[i]));
      }
      await this.publishAccountMoves(em, principal, links, now);
      return mergeRecordOf({ ...m, unmerged_at: now, unmerged_by: principal.id });
    });
  }

  /** Merges involving a record (as survivor or merged), newest first. */
  async history(principal: Principal, kind: MergeKind, recordId: string): Promise<MergeRecord[]> {
    requireMergeRole(principal);
    const id = validate.requireUuid('id', recordId);
    const { read } = await this.scopes(principal, kind);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [record] = await em.query(`SELECT owner_id FROM ${MERGE_KINDS[kind].table} WHERE id = $1`, [id]);
      if (!record || !inScope(read, record.owner_id)) throw notFound(MERGE_KINDS[kind].label, id);
      return (
        await em.query(
          `SELECT * FROM contact_merges WHERE kind = $1 AND (survivor_id = $2 OR $2 = ANY(merged_ids)) ORDER BY merged_at DESC, id DESC`,
          [kind, id],
        )
      ).map((m: Row) => mergeRecordOf(m));
    });
  }

  private async scopes(principal: Principal, kind: MergeKind): Promise<{ read: RecordScope; write: RecordScope }> {
    return this.sharing.scopes(principal, kind);
  }

  /**
   * Contacts an account merge moved to the survivor (or its undo moved back)
   * changed their account: each is announced like any other edit, so every
   * copy of the customer master follows sales instead of guessing.
   */
  private async publishAccountMoves(em: EntityManager, principal: Principal, links: LinkImage[], now: Date): Promise<void> {
    const moved = movedContactIds(links);
    if (moved.length === 0) return;
    await touchContacts(em, moved, now);
    for (const id of moved) await this.publishUpdated(em, principal, 'CONTACT', id, ['accountId']);
  }

  private async publishUpdated(em: EntityManager, principal: Principal, kind: MergeKind, id: string, changed: string[]): Promise<void> {
    const actor = actorOf(principal);
    if (kind === 'CONTACT') {
      const [contact] = await loadExternalIds(em, 'CONTACT', [await em.getRepository(ContactEntity).findOneByOrFail({ id })]);
      await this.db.publish(
        em,
        newEvent({
          type: CONTACT_UPDATED,
          tenantId: principal.tenantId,
          actor,
          subjectId: id,
          data: { contact: contactSnapshot(contact), changed: changed.length ? changed : ['externalIds'] },
        }),
      );
    } else {
      const [account] = await loadExternalIds(em, 'ACCOUNT', [await em.getRepository(AccountEntity).findOneByOrFail({ id })]);
      await this.db.publish(
        em,
        newEvent({
          type: ACCOUNT_UPDATED,
          tenantId: principal.tenantId,
          actor,
          subjectId: id,
          data: { account: accountSnapshot(account), changed },
        }),
      );
    }
  }
}

/** The survivor's fields both the merge and a later edit changed: the caller chooses, field by field. */
function unmergeConflict(mergeId: string, conflicts: FieldConflict[]): GraphQLError {
  return new GraphQLError(
    `cannot undo merge ${mergeId} without a choice: ${conflicts.map((c) => c.field).join(', ')} changed both in the merge and since. ` +
      'For each, pass fieldChoices { field, keep: CURRENT } to keep the value it has now or { field, keep: BEFORE_MERGE } to restore the one from before the merge.',
    { extensions: { code: 'CONFLICT', field: 'fieldChoices', conflicts } },
  );
}
