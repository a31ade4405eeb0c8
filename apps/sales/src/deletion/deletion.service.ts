import { Inject, Injectable } from '@nestjs/common';
import { actorOf, conflict, forbidden, inScope, InvariantError, notFound, requireWritable, type Principal } from '@rapport/auth';
import { DELETION_EVENTS, type EventActor } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import {
  AccessPolicy,
  AuditRecorder,
  type PageArgs,
  pageWindow,
  paginateSql,
  requireRestorable,
  restorableUntil,
  SERVICE_CONFIG,
  ServiceDatabase,
  SharingPolicy,
  validate,
} from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { OwnedRecords, requireChangeShared, type OwnedScopes } from '../access/owned-records';
import { requireWrite } from '../access/sales-access';
import { ActivitiesService } from '../activities/activities.service';
import { requireActivityRead, requireChangeActivity } from '../activities/activity-access';
import { targetVisible, type ActivityTargetScopes } from '../activities/activity-visibility';
import type { ActivityTargetType } from '../activities/activity-rules';
import { requireCatalogAdmin } from '../products/catalog-access';
import type { SalesConfig } from '../sales.env';
import { relatedRecordsPlan, type RelatedRecordsAction } from './deletion-rules';
import {
  DELETABLE,
  DELETED_RECORD_SELECT,
  liveRecordsOfAccount,
  lockDeletedRecord,
  lockRecord,
  markDeleted,
  reattachContacts,
  recordsOfDeletion,
  unmarkDeleted,
  type DeletableRow,
  type DeletedRecordRow,
  type SalesDeletableType,
} from './deletion-store';

export interface DeleteAccountInput {
  id: string;
  contacts?: RelatedRecordsAction | null;
  opportunities?: RelatedRecordsAction | null;
}

/** A deletion as the API shows it: the record deleted and what went with it. */
export interface DeletionResult {
  deletedRecord: DeletedRecordRow;
  deletedWith: DeletedRecordRow[];
  detachedContactIds: string[];
}

/**
 * Deleting contacts, accounts and opportunities into a restore window
 * (DELETION_RESTORE_DAYS), restoring them within it, and listing the bin for
 * admins. A deleted record leaves every ordinary query at once (the tables
 * are views of live rows, libs/persistence live-rows); the purge job deletes
 * it for good when the window ends. Every change publishes its event and
 * records its one audit entry in the same transaction.
 */
@Injectable()
export class DeletionService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: SalesConfig,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
    private readonly owned: OwnedRecords,
    private readonly db: ServiceDatabase,
    private readonly audit: AuditRecorder,
    private readonly activities: ActivitiesService,
  ) {}

  async deleteContact(principal: Principal, input: { id: string }): Promise<DeletionResult> {
    const id = validate.requireUuid('input.id', input.id);
    requireWrite(principal, 'contacts', await this.access.overrides(principal));
    const scopes = await this.sharing.scopes(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const row = await this.lockLive(em, 'CONTACT', id, (r) => inScope(scopes.read, r.ownerId));
      requireWritable(scopes.write, 'CONTACT', row.ownerId);
      if (row.mergedInto) throw conflict(`contact ${id} was merged into ${row.mergedInto}; delete the survivor`, 'input.id');
      return this.deleteRecords(em, principal, { type: 'CONTACT', id }, []);
    });
  }

  async deleteOpportunity(principal: Principal, input: { id: string }): Promise<DeletionResult> {
    const id = validate.requireUuid('input.id', input.id);
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const row = await this.lockLive(em, 'OPPORTUNITY', id, (r) => inScope(scopes.read, r.ownerId));
      requireChangeShared(principal, 'opportunities', { id, ownerId: row.ownerId }, scopes);
      return this.deleteRecords(em, principal, { type: 'OPPORTUNITY', id }, []);
    });
  }

  async deleteLead(principal: Principal, input: { id: string }): Promise<DeletionResult> {
    const id = validate.requireUuid('input.id', input.id);
    const scopes = await this.owned.scopes(principal, 'leads');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const row = await this.lockLive(em, 'LEAD', id, (r) => inScope(scopes.read, r.ownerId));
      requireChangeShared(principal, 'leads', { id, ownerId: row.ownerId }, scopes);
      return this.deleteRecords(em, principal, { type: 'LEAD', id }, []);
    });
  }

  /** Whoever may change an activity may delete it; one about something the caller cannot see does not exist. */
  async deleteActivity(principal: Principal, input: { id: string }): Promise<DeletionResult> {
    const id = validate.requireUuid('input.id', input.id);
    requireActivityRead(principal);
    const scopes = await this.activities.targetScopes(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const row = await this.lockLive(em, 'ACTIVITY', id, () => true);
      if (!(await targetVisible(em, scopes, row.targetType as ActivityTargetType, row.targetId as string))) throw notFound('Activity', id);
      requireChangeActivity(principal, row.ownerId);
      return this.deleteRecords(em, principal, { type: 'ACTIVITY', id }, []);
    });
  }

  /** Catalogue admins delete products; a quoted product stays for its quotes (deactivate it instead). */
  async deleteProduct(principal: Principal, input: { id: string }): Promise<DeletionResult> {
    const id = validate.requireUuid('input.id', input.id);
    requireCatalogAdmin(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await this.lockLive(em, 'PRODUCT', id, () => true);
      const [quoted] = await em.query(`SELECT 1 FROM quote_lines WHERE product_id = $1 LIMIT 1`, [id]);
      if (quoted) throw conflict(`Product ${id} is on quotes, which keep it: set active to false to take it off the catalogue`, 'input.id');
      return this.deleteRecords(em, principal, { type: 'PRODUCT', id }, []);
    });
  }

  /**
   * An account's contacts and opportunities go only as the caller says
   * (`input.contacts`, `input.opportunities`); what goes along must be
   * deletable by the caller too, and comes back when the account is restored.
   */
  async deleteAccount(principal: Principal, input: DeleteAccountInput): Promise<DeletionResult> {
    const id = validate.requireUuid('input.id', input.id);
    const overrides = await this.access.overrides(principal);
    requireWrite(principal, 'accounts', overrides);
    const accountScopes = await this.sharing.scopes(principal, 'ACCOUNT');
    const contactScopes = await this.sharing.scopes(principal, 'CONTACT');
    const dealScopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const row = await this.lockLive(em, 'ACCOUNT', id, (r) => inScope(accountScopes.read, r.ownerId));
      requireWritable(accountScopes.write, 'ACCOUNT', row.ownerId);
      if (row.mergedInto) throw conflict(`account ${id} was merged into ${row.mergedInto}; delete the survivor`, 'input.id');
      const related = await liveRecordsOfAccount(em, id);
      const plan = relatedRecordsPlan({ contacts: related.contacts.length, opportunities: related.opportunities.length }, input);
      const along: { type: SalesDeletableType; id: string }[] = [];
      let detached: string[] = [];
      if (plan.contacts === 'DELETE') {
        requireWrite(principal, 'contacts', overrides);
        for (const c of related.contacts) requireWritable(contactScopes.write, 'CONTACT', c.ownerId);
        along.push(...related.contacts.map((c) => ({ type: 'CONTACT' as const, id: c.id })));
      } else if (plan.contacts === 'DETACH') {
        detached = related.contacts.map((c) => c.id);
        await em.query(`UPDATE contacts SET account_id = NULL, updated_at = now() WHERE id = ANY($1::uuid[])`, [detached]);
      }
      if (plan.deleteOpportunities) {
        for (const o of related.opportunities) requireChangeShared(principal, 'opportunities', o, dealScopes);
        along.push(...related.opportunities.map((o) => ({ type: 'OPPORTUNITY' as const, id: o.id })));
      }
      return this.deleteRecords(em, principal, { type: 'ACCOUNT', id }, along, detached);
    });
  }

  async restore(principal: Principal, type: SalesDeletableType, input: { id: string }): Promise<string> {
    const id = validate.requireUuid('input.id', input.id);
    const { typename } = DELETABLE[type];
    const scopes = await this.restoreScopes(principal, type);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const entry = await lockDeletedRecord(em, type, id);
      if (!entry) {
        if (await lockRecord(em, type, id)) throw conflict(`${typename} ${id} is not deleted`, 'input.id');
        throw notFound(typename, id);
      }
      const row = await lockRecord(em, type, id);
      if (!row) throw notFound(typename, id);
      requireRecordWritable(principal, type, row, scopes);
      requireRestorable(typename, id, entry.restorableUntil, new Date());
      if (entry.cascadeOf) {
        throw conflict(
          `${typename} ${id} was deleted with ${entry.cascadeOf}; restore that record and this one comes back with it`,
          'input.id',
        );
      }
      await this.requireParentLive(em, type, row);
      if (type === 'ACTIVITY') {
        await requireTargetLive(em, row);
        const targets = scopes.targets as ActivityTargetScopes;
        if (!(await targetVisible(em, targets, row.targetType as ActivityTargetType, row.targetId as string))) throw notFound(typename, id);
      }
      const records = await recordsOfDeletion(em, entry.deletionId);
      await unmarkDeleted(em, records);
      const reattached = type === 'ACCOUNT' ? await reattachContacts(em, id, entry.detachedContactIds) : [];
      const restoredAt = new Date().toISOString();
      for (const r of records) {
        await this.db.publish(
          em,
          newEvent({
            type: DELETION_EVENTS[r.recordType].restored,
            tenantId: principal.tenantId,
            actor: actorOf(principal),
            subjectId: r.id,
            data: { recordType: r.recordType, id: r.id, deletionId: r.deletionId, restoredAt },
          }),
        );
      }
      await this.audit.record(em, {
        tenantId: principal.tenantId,
        action: `restore${typename}`,
        objectType: typename,
        objectId: id,
        details: {
          deletionId: entry.deletionId,
          restoredWith: records.filter((r) => r.id !== id).map((r) => ({ type: r.recordType, id: r.id })),
          reattachedContactIds: reattached,
        },
      });
      return id;
    });
  }

  /** The bin, newest deletion first: admins only (they restore what others deleted). */
  async listDeleted(principal: Principal, args: PageArgs & { type?: SalesDeletableType | null }) {
    if (principal.kind !== 'user' || !principal.roles.includes('admin')) throw forbidden('only admins list deleted records');
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql<DeletedRecordRow, DeletedRecordRow>(em, {
        select: DELETED_RECORD_SELECT,
        from: `deleted_records WHERE ($1::text IS NULL OR record_type = $1)`,
        params: [args.type ?? null],
        ...wanted,
        sortColumn: 'deleted_at',
        idColumn: 'record_id',
        direction: 'DESC',
        cursorOf: (r) => [new Date(r.deletedAt).toISOString(), r.id],
        map: (r) => r,
      }),
    );
  }

  /** The record, live; unknown or hidden by sharing: NOT_FOUND; already deleted: CONFLICT (restore it instead). */
  private async lockLive(em: EntityManager, type: SalesDeletableType, id: string, visible: (row: DeletableRow) => boolean) {
    const { typename } = DELETABLE[type];
    const row = await lockRecord(em, type, id);
    if (!row || !visible(row)) throw notFound(typename, id);
    if (row.deletedAt) {
      const restore = `restore${typename}`;
      throw conflict(
        `${typename} ${id} is already deleted (at ${new Date(row.deletedAt).toISOString()}); ${restore} brings it back`,
        'input.id',
      );
    }
    return row;
  }

  private async deleteRecords(
    em: EntityManager,
    principal: Principal,
    record: { type: SalesDeletableType; id: string },
    along: readonly { type: SalesDeletableType; id: string }[],
    detachedContactIds: string[] = [],
  ): Promise<DeletionResult> {
    const at = new Date();
    const until = restorableUntil(at, this.config.DELETION_RESTORE_DAYS);
    const by: EventActor = actorOf(principal);
    const deletionId = uuidv7();
    await markDeleted(em, principal.tenantId, record.type, [record.id], {
      id: deletionId,
      cascadeOf: null,
      at,
      until,
      by,
      detachedContactIds,
    });
    for (const type of ['CONTACT', 'OPPORTUNITY'] as const) {
      const ids = along.filter((r) => r.type === type).map((r) => r.id);
      await markDeleted(em, principal.tenantId, type, ids, { id: deletionId, cascadeOf: record.id, at, until, by });
    }
    for (const r of [record, ...along]) {
      await this.db.publish(
        em,
        newEvent({
          type: DELETION_EVENTS[r.type].deleted,
          tenantId: principal.tenantId,
          actor: by,
          subjectId: r.id,
          data: {
            recordType: r.type,
            id: r.id,
            deletionId,
            deletedAt: at.toISOString(),
            restorableUntil: until.toISOString(),
            cascadeOf: r === record ? null : record.id,
          },
        }),
      );
    }
    await this.audit.record(em, {
      tenantId: principal.tenantId,
      action: `delete${DELETABLE[record.type].typename}`,
      actor: by,
      objectType: DELETABLE[record.type].typename,
      objectId: record.id,
      details: {
        deletionId,
        restorableUntil: until.toISOString(),
        deletedWith: along.map((r) => ({ type: r.type, id: r.id })),
        detachedContactIds,
      },
    });
    const records = await recordsOfDeletion(em, deletionId);
    const deletedRecord = records.find((r) => r.id === record.id);
    if (!deletedRecord) throw new InvariantError(`deletion ${deletionId} lost its own record ${record.id}`);
    return {
      deletedRecord,
      deletedWith: records.filter((r) => r.id !== record.id),
      detachedContactIds,
    };
  }

  /** Who may delete a record may restore it (admins always may): the scopes are read before the transaction. */
  private async restoreScopes(principal: Principal, type: SalesDeletableType): Promise<RestoreScopes> {
    switch (type) {
      case 'OPPORTUNITY':
        return { owned: await this.owned.scopes(principal, 'opportunities') };
      case 'LEAD':
        return { owned: await this.owned.scopes(principal, 'leads') };
      case 'ACTIVITY':
        requireActivityRead(principal);
        return { targets: await this.activities.targetScopes(principal) };
      case 'PRODUCT':
        requireCatalogAdmin(principal);
        return {};
      case 'CONTACT':
      case 'ACCOUNT':
        requireWrite(principal, type === 'CONTACT' ? 'contacts' : 'accounts', await this.access.overrides(principal));
        return { owned: await this.sharing.scopes(principal, type) };
    }
  }

  /** A contact or opportunity deleted on its own comes back only to a live account. */
  private async requireParentLive(em: EntityManager, type: SalesDeletableType, row: DeletableRow): Promise<void> {
    if (type === 'ACCOUNT' || !row.accountId) return;
    const [account] = await em.query(`SELECT deleted_at AS "deletedAt" FROM accounts_all WHERE id = $1`, [row.accountId]);
    if (account?.deletedAt) {
      throw conflict(`its account ${row.accountId} is deleted; restore the account first (restoreAccount)`, 'input.id');
    }
  }
}

/** What restoring needs to know of the caller, read before the transaction. */
interface RestoreScopes {
  owned?: OwnedScopes;
  targets?: ActivityTargetScopes;
}

/** Who may delete a record may restore it: the same checks on the deleted row. */
function requireRecordWritable(principal: Principal, type: SalesDeletableType, row: DeletableRow, scopes: RestoreScopes): void {
  switch (type) {
    case 'OPPORTUNITY':
    case 'LEAD':
      return requireChangeShared(principal, type === 'LEAD' ? 'leads' : 'opportunities', row, scopes.owned as OwnedScopes);
    case 'ACTIVITY':
      // A deleted target hides the activity's visibility question: requireTargetLive answers it with CONFLICT.
      return requireChangeActivity(principal, row.ownerId);
    case 'PRODUCT':
      return;
    case 'CONTACT':
    case 'ACCOUNT': {
      const owned = scopes.owned as OwnedScopes;
      if (!inScope(owned.read, row.ownerId)) throw notFound(DELETABLE[type].typename, row.id);
      requireWritable(owned.write, type, row.ownerId);
    }
  }
}

const TARGET_TABLE: Record<ActivityTargetType, string> = {
  LEAD: 'leads_all',
  CONTACT: 'contacts_all',
  ACCOUNT: 'accounts_all',
  OPPORTUNITY: 'opportunities_all',
};

/** An activity comes back only about a live record (restore that first). */
async function requireTargetLive(em: EntityManager, row: DeletableRow): Promise<void> {
  const type = row.targetType as ActivityTargetType;
  const [target] = await em.query(`SELECT deleted_at AS "deletedAt" FROM ${TARGET_TABLE[type]} WHERE id = $1`, [row.targetId]);
  if (!target) throw conflict(`the activity's ${type.toLowerCase()} ${row.targetId} no longer exists`, 'input.id');
  if (target.deletedAt) throw conflict(`the activity's ${type.toLowerCase()} ${row.targetId} is deleted; restore it first`, 'input.id');
}
