import { Injectable } from '@nestjs/common';
import {
  actorOf,
  badUserInput,
  conflict,
  forbidden,
  inScope,
  notFound,
  requireRole,
  type Principal,
  type RecordScope,
} from '@rapport/auth';
import { ACCOUNT_MERGED, ACCOUNT_UNMERGED, ACCOUNT_UPDATED, CONTACT_MERGED, CONTACT_UNMERGED, CONTACT_UPDATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, SharingPolicy, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AccountEntity } from '../accounts/account.entity';
import { accountSnapshot } from '../accounts/accounts.service';
import { ContactEntity } from '../contacts/contact.entity';
import { MAX_TAGS } from '../contacts/contact-input';
import { contactSnapshot } from '../contacts/contact-snapshot';
import { OwnerDirectory } from '../users/owner-directory';
import { linksFor, q, type MergeKind } from './merge-links';

export interface FieldChoice {
  field: string;
  fromId: string;
}

export interface MergeInput {
  survivorId: string;
  mergedIds: string[];
  fieldChoices?: FieldChoice[] | null;
}

type Row = Record<string, unknown>;

interface LinkImage {
  table: string;
  column: string;
  key: Row;
  where?: string;
  /** The merged record the row pointed at before. */
  from: string;
}

interface MergeImages {
  /** Full rows (to_jsonb) of the survivor and the merged records. */
  records: Row[];
  links: LinkImage[];
}

export interface MergeRecord {
  id: string;
  kind: MergeKind;
  survivorId: string;
  mergedIds: string[];
  mergedBy: string | null;
  mergedAt: Date;
  unmergedBy: string | null;
  unmergedAt: Date | null;
  /** Rows whose links were re-pointed to the survivor. */
  relinkedCount: number;
}

const MAX_MERGED = 10;

/** Per kind: the table, fields the caller may take from a merged record, and lists that are unioned. */
const KINDS = {
  CONTACT: {
    table: 'contacts',
    label: 'Contact',
    choosable: { firstName: 'first_name', lastName: 'last_name', accountId: 'account_id', ownerId: 'owner_id', source: 'source' },
    unions: { emails: 10, phones: 10, tags: MAX_TAGS, addresses: 10 },
  },
  ACCOUNT: {
    table: 'accounts',
    label: 'Account',
    choosable: { name: 'name', domain: 'domain', industry: 'industry', ownerId: 'owner_id', source: 'source' },
    unions: { tags: MAX_TAGS, addresses: 10 },
  },
} as const;

/**
 * Merging duplicate contacts or accounts, and undoing a merge.
 *
 * Merged records are kept (merged_into = survivor, merged_at), hidden from
 * lists and read-only; `contact(id)` still returns a merged record as itself
 * with `mergedInto` set (clients follow it), while `contactByExternalId`
 * resolves to the survivor. Every row the merge touches is journalled in
 * `contact_merges` (before-images and after-images) so `unmerge*` can restore
 * it while the merge is retained.
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
    const spec = KINDS[kind];
    const survivorId = validate.requireUuid('survivorId', input.survivorId);
    const mergedIds = validate.listOf('mergedIds', input.mergedIds, MAX_MERGED).map((id, i) => validate.requireUuid(`mergedIds[${i}]`, id));
    if (mergedIds.length === 0) throw badUserInput('mergedIds', 'name at least one record to merge');
    if (new Set(mergedIds).size !== mergedIds.length) throw badUserInput('mergedIds', 'a record appears twice');
    if (mergedIds.includes(survivorId)) throw badUserInput('mergedIds', 'the survivor cannot be merged into itself');
    const choices = validate.listOf('fieldChoices', input.fieldChoices, 20).map((c, i) => {
      if (!(c.field in spec.choosable)) {
        throw badUserInput(`fieldChoices[${i}].field`, `choose one of ${Object.keys(spec.choosable).join(', ')} (lists are unioned)`);
      }
      const fromId = validate.requireUuid(`fieldChoices[${i}].fromId`, c.fromId);
      if (fromId !== survivorId && !mergedIds.includes(fromId))
        throw badUserInput(`fieldChoices[${i}].fromId`, 'not one of the merged records');
      return { column: spec.choosable[c.field as keyof typeof spec.choosable] as string, field: c.field, fromId };
    });
    const all = [survivorId, ...mergedIds];
    const scopes = await this.scopes(principal, kind);

    return this.db.withTenant(principal.tenantId, async (em) => {
      // Lock in id order so concurrent merges of overlapping sets cannot deadlock.
      const rows: Row[] = (
        await em.query(`SELECT to_jsonb(t) AS row FROM ${spec.table} t WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [all])
      ).map((r: { row: Row }) => r.row);
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      for (const id of all) {
        const row = byId.get(id);
        if (!row) throw notFound(spec.label, id);
        this.requireChange(scopes, spec.label, row);
        if (row.merged_into)
          throw conflict(`${spec.label.toLowerCase()} ${id} is already merged into ${String(row.merged_into)}`, 'mergedIds');
      }
      const records = rows.sort((a, b) => all.indexOf(a.id as string) - all.indexOf(b.id as string));
      const survivor = records[0];

      // Survivor values: chosen fields from the named record, lists unioned in survivor-first order.
      const set: Row = {};
      for (const c of choices) set[c.column] = byId.get(c.fromId)?.[c.column];
      for (const [field, max] of Object.entries(spec.unions)) {
        const seen = new Set<string>();
        const union: unknown[] = [];
        for (const r of records) {
          for (const v of (r[field] as unknown[]) ?? []) {
            const k = JSON.stringify(v);
            if (seen.has(k)) continue;
            seen.add(k);
            union.push(v);
          }
        }
        if (union.length > max) throw badUserInput(field, `the merged ${field} would exceed ${max} entries; remove some first`);
        set[field] = union;
      }
      if (kind === 'ACCOUNT' && set.owner_id === undefined) set.owner_id = survivor.owner_id;
      // Taking another record's owner sets an owner: it must still be able to own records.
      const ownerChoice = choices.findIndex((c) => c.field === 'ownerId');
      if (ownerChoice >= 0 && typeof set.owner_id === 'string' && set.owner_id !== survivor.owner_id) {
        await this.owners.requireOwners(em, principal, [{ field: `fieldChoices[${ownerChoice}].fromId`, id: set.owner_id }]);
      }
      if (kind === 'CONTACT' && typeof set.account_id === 'string') {
        const [acc] = await em.query(`SELECT merged_into FROM accounts WHERE id = $1`, [set.account_id]);
        if (!acc || acc.merged_into) throw badUserInput('fieldChoices', `account ${String(set.account_id)} is not a live account`);
      }

      // Links to re-point, with their current values as before-images.
      const links: LinkImage[] = [];
      for (const link of linksFor(kind)) {
        const keyCols = link.key.map(q).join(', ');
        const found: { key: Row; from: string }[] = await em.query(
          `SELECT jsonb_build_object(${link.key.map((k) => `'${k}', ${q(k)}`).join(', ')}) AS key, ${q(link.column)}::text AS from
           FROM ${q(link.table)} WHERE ${q(link.column)} = ANY($1::uuid[])${link.where ? ` AND ${link.where}` : ''} ORDER BY ${keyCols}`,
          [mergedIds],
        );
        for (const f of found) links.push({ table: link.table, column: link.column, key: f.key, where: link.where, from: f.from });
        await em.query(
          `UPDATE ${q(link.table)} SET ${q(link.column)} = $1 WHERE ${q(link.column)} = ANY($2::uuid[])${link.where ? ` AND ${link.where}` : ''}`,
          [survivorId, mergedIds],
        );
      }

      const now = new Date();
      await this.updateColumns(em, spec.table, survivorId, { ...set, updated_at: now.toISOString() });
      await em.query(`UPDATE ${spec.table} SET merged_into = $1, merged_at = $2, updated_at = $2 WHERE id = ANY($3::uuid[])`, [
        survivorId,
        now,
        mergedIds,
      ]);
      const after = await this.images(em, spec.table, all);
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

      const actor = actorOf(principal);
      const tenantId = principal.tenantId;
      await this.db.publish(
        em,
        newEvent({
          type: kind === 'CONTACT' ? CONTACT_MERGED : ACCOUNT_MERGED,
          tenantId,
          actor,
          subjectId: survivorId,
          data: { survivorId, mergedIds, mergeId },
        }),
      );
      await this.publishUpdated(em, principal, kind, survivorId, this.changedOf(kind, survivor, after[0]));
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
   * Undoes a merge from its before-images. Refused with CONFLICT when a row
   * changed since in a way restoring would lose or contradict: the survivor
   * or a merged record no longer matches its after-image (edited, or merged
   * again), or a re-pointed row no longer points at the survivor (deleted or
   * moved). Rows re-pointed by the merge go back to the record they came
   * from; contacts/accounts get their exact pre-merge values except
   * updated_at, which is set to now so downstream projections accept the change.
   */
  async unmerge(principal: Principal, kind: MergeKind, mergeIdInput: string): Promise<MergeRecord> {
    requireMergeRole(principal);
    const spec = KINDS[kind];
    const mergeId = validate.requireUuid('mergeId', mergeIdInput);
    const scopes = await this.scopes(principal, kind);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [m] = await em.query(`SELECT * FROM contact_merges WHERE id = $1 AND kind = $2 FOR UPDATE`, [mergeId, kind]);
      if (!m) throw notFound('Merge', mergeId);
      if (m.unmerged_at) throw conflict(`merge ${mergeId} was already undone at ${new Date(m.unmerged_at).toISOString()}`, 'mergeId');
      const before = m.before_images as MergeImages;
      const afterRecords = (m.after_images as { records: Row[] }).records;
      const ids = before.records.map((r) => r.id as string);
      await em.query(`SELECT id FROM ${spec.table} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
      const current = await this.images(em, spec.table, ids);
      for (const c of current) if (c) this.requireChange(scopes, spec.label, c);
      const problems: string[] = [];
      afterRecords.forEach((a, i) => {
        const c = current[i];
        if (!c) problems.push(`${spec.label.toLowerCase()} ${String(a.id)} no longer exists`);
        else if (JSON.stringify(c) !== JSON.stringify(a)) {
          const cols = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(c[k]));
          problems.push(`${spec.label.toLowerCase()} ${String(a.id)} changed since the merge (${cols.join(', ')})`);
        }
      });
      for (const l of before.links) {
        const keys = Object.keys(l.key);
        const cond = keys.map((k, i) => `${q(k)}::text = $${i + 1}`).join(' AND ');
        const [row] = await em.query(
          `SELECT ${q(l.column)}::text AS v FROM ${q(l.table)} WHERE ${cond} FOR UPDATE`,
          keys.map((k) => String(l.key[k])),
        );
        if (!row) problems.push(`${l.table} ${JSON.stringify(l.key)} was deleted since the merge`);
        else if (row.v !== m.survivor_id) problems.push(`${l.table}.${l.column} of ${JSON.stringify(l.key)} was changed since the merge`);
      }
      if (problems.length > 0) {
        throw conflict(
          `cannot undo merge ${mergeId}: ${problems.join('; ')}. Revert those changes (or undo later merges first) and retry.`,
          'mergeId',
        );
      }

      for (const l of before.links) {
        const keys = Object.keys(l.key);
        const cond = keys.map((k, i) => `${q(k)}::text = $${i + 2}`).join(' AND ');
        await em.query(`UPDATE ${q(l.table)} SET ${q(l.column)} = $1 WHERE ${cond}`, [l.from, ...keys.map((k) => String(l.key[k]))]);
      }
      const now = new Date();
      // Merged records first: the survivor's restore must not trip over anything pointing at them.
      for (const r of [...before.records].reverse()) {
        const { id, tenant_id: _t, ...columns } = r;
        await this.updateColumns(em, spec.table, id as string, { ...columns, updated_at: now.toISOString() });
      }
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
      const restored = await this.images(em, spec.table, ids);
      for (let i = 0; i < ids.length; i++) {
        await this.publishUpdated(em, principal, kind, ids[i], this.changedOf(kind, afterRecords[i], restored[i]));
      }
      return this.toRecord({ ...m, unmerged_at: now, unmerged_by: principal.id });
    });
  }

  /** Merges involving a record (as survivor or merged), newest first. */
  async history(principal: Principal, kind: MergeKind, recordId: string): Promise<MergeRecord[]> {
    requireMergeRole(principal);
    const id = validate.requireUuid('id', recordId);
    const { read } = await this.scopes(principal, kind);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [record] = await em.query(`SELECT owner_id FROM ${KINDS[kind].table} WHERE id = $1`, [id]);
      if (!record || !inScope(read, record.owner_id)) throw notFound(KINDS[kind].label, id);
      return (
        await em.query(
          `SELECT * FROM contact_merges WHERE kind = $1 AND (survivor_id = $2 OR $2 = ANY(merged_ids)) ORDER BY merged_at DESC, id DESC`,
          [kind, id],
        )
      ).map((m: Row) => this.toRecord(m));
    });
  }

  private async scopes(principal: Principal, kind: MergeKind): Promise<{ read: RecordScope; write: RecordScope }> {
    return this.sharing.scopes(principal, kind);
  }

  /** Merging changes every record involved: one the caller may not see is not found, one they may not change FORBIDDEN. */
  private requireChange(scopes: { read: RecordScope; write: RecordScope }, label: string, row: Row): void {
    const ownerId = (row.owner_id as string | null) ?? null;
    if (!inScope(scopes.read, ownerId)) throw notFound(label, row.id as string);
    if (!inScope(scopes.write, ownerId)) {
      throw forbidden(
        `only the owner, the owner's managers and admins may change ${label.toLowerCase()} ${String(row.id)} (tenant sharing rule)`,
      );
    }
  }

  private toRecord(m: Row): MergeRecord {
    return {
      id: m.id as string,
      kind: m.kind as MergeKind,
      survivorId: m.survivor_id as string,
      mergedIds: m.merged_ids as string[],
      mergedBy: (m.merged_by as string | null) ?? null,
      mergedAt: new Date(m.merged_at as string),
      unmergedBy: (m.unmerged_by as string | null) ?? null,
      unmergedAt: m.unmerged_at ? new Date(m.unmerged_at as string) : null,
      relinkedCount: ((m.before_images as MergeImages).links ?? []).length,
    };
  }

  /** Full rows as JSON, in the order of `ids` (missing ones undefined). */
  private async images(em: EntityManager, table: string, ids: string[]): Promise<Row[]> {
    const rows: { row: Row }[] = await em.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE id = ANY($1::uuid[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.row.id as string, r.row]));
    return ids.map((id) => byId.get(id) as Row);
  }

  /** Sets columns from JSON values, converted to the column types by jsonb_populate_record. */
  private async updateColumns(em: EntityManager, table: string, id: string, values: Row): Promise<void> {
    const cols = Object.keys(values);
    if (cols.length === 0) return;
    await em.query(
      `UPDATE ${table} t SET (${cols.map(q).join(', ')}) = ROW(${cols.map((c) => `r.${q(c)}`).join(', ')})
       FROM jsonb_populate_record(NULL::${table}, $1::jsonb) r WHERE t.id = $2`,
      [JSON.stringify(values), id],
    );
  }

  private changedOf(kind: MergeKind, before: Row | undefined, after: Row | undefined): string[] {
    if (!before || !after) return [];
    const fields: Record<string, string> =
      kind === 'CONTACT'
        ? {
            first_name: 'firstName',
            last_name: 'lastName',
            emails: 'emails',
            phones: 'phones',
            account_id: 'accountId',
            owner_id: 'ownerId',
            addresses: 'addresses',
            source: 'source',
            tags: 'tags',
          }
        : {
            name: 'name',
            domain: 'domain',
            industry: 'industry',
            owner_id: 'ownerId',
            addresses: 'addresses',
            source: 'source',
            tags: 'tags',
          };
    const changed = Object.entries(fields)
      .filter(([col]) => JSON.stringify(before[col]) !== JSON.stringify(after[col]))
      .map(([, f]) => f);
    return changed;
  }

  private async publishUpdated(em: EntityManager, principal: Principal, kind: MergeKind, id: string, changed: string[]): Promise<void> {
    const actor = actorOf(principal);
    if (kind === 'CONTACT') {
      const contact = await em.getRepository(ContactEntity).findOneByOrFail({ id });
      contact.externalIds = (
        await em.query(`SELECT source, key FROM contact_external_ids WHERE contact_id = $1 ORDER BY source, key`, [id])
      ).map((x: { source: string; key: string }) => ({ source: x.source, key: x.key }));
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
      const account = await em.getRepository(AccountEntity).findOneByOrFail({ id });
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

/** Merging rewrites other people's records: sales managers and admins only. */
export function requireMergeRole(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('merging is done by sales managers and admins');
  requireRole(principal, 'sales_manager');
}
