import { Inject, Injectable } from '@nestjs/common';
import { actorOf, conflict, forbidden, inScope, notFound, type Principal } from '@rapport/auth';
import { CASE_DELETED, CASE_RESTORED, type EventActor } from '@rapport/contracts';
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
import { v7 as uuidv7 } from 'uuid';
import { requireCaseChange, requireCaseWork } from '../access/service-access';
import { CaseEntity } from '../cases/case.entity';
import type { ServiceConfig } from '../service.env';
import { SlaTimers } from '../sla/sla-timers';
import {
  DELETED_CASE_SELECT,
  lockAnyCase,
  lockDeletedCase,
  markCaseDeleted,
  unmarkCaseDeleted,
  type DeletedCaseRow,
} from './case-deletion-store';

/**
 * Deleting cases into the restore window (DELETION_RESTORE_DAYS) and
 * restoring them, by whoever may change the case (CASES WRITE and the
 * tenant's sharing rule; never customers). A deleted case leaves every query
 * at once (`cases` is a view of live rows) and its SLA timers find nothing
 * to do; a restore plans them again. The purge job deletes it for good
 * with its comments and history (CasePurge).
 */
@Injectable()
export class CaseDeletionService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
    private readonly audit: AuditRecorder,
    private readonly timers: SlaTimers,
  ) {}

  async deleteCase(principal: Principal, input: { id: string }): Promise<DeletedCaseRow> {
    const id = validate.requireUuid('input.id', input.id);
    requireCaseWork(principal, await this.access.overrides(principal));
    const scope = await this.sharing.readScope(principal, 'CASE');
    const writable = await this.sharing.writeScope(principal, 'CASE');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const c = await lockAnyCase(em, id);
      if (!c || !inScope(scope, c.ownerId)) throw notFound('Case', id);
      if (c.deletedAt) {
        throw conflict(`Case ${id} is already deleted (at ${new Date(c.deletedAt).toISOString()}); restoreCase brings it back`, 'input.id');
      }
      requireCaseChange(writable, c);
      const at = new Date();
      const until = restorableUntil(at, this.config.DELETION_RESTORE_DAYS);
      const by: EventActor = actorOf(principal);
      const deleted = await markCaseDeleted(em, principal.tenantId, id, { id: uuidv7(), at, until, by });
      await this.db.publish(
        em,
        newEvent({
          type: CASE_DELETED,
          tenantId: principal.tenantId,
          actor: by,
          subjectId: id,
          data: {
            recordType: 'CASE',
            id,
            deletionId: deleted.deletionId,
            deletedAt: at.toISOString(),
            restorableUntil: until.toISOString(),
            cascadeOf: null,
          },
        }),
      );
      await this.audit.record(em, {
        tenantId: principal.tenantId,
        action: 'deleteCase',
        actor: by,
        objectType: 'Case',
        objectId: id,
        details: { deletionId: deleted.deletionId, restorableUntil: until.toISOString(), contactId: c.contactId },
      });
      return deleted;
    });
  }

  async restoreCase(principal: Principal, input: { id: string }): Promise<CaseEntity> {
    const id = validate.requireUuid('input.id', input.id);
    requireCaseWork(principal, await this.access.overrides(principal));
    const scope = await this.sharing.readScope(principal, 'CASE');
    const writable = await this.sharing.writeScope(principal, 'CASE');
    const restored = await this.db.withTenant(principal.tenantId, async (em) => {
      const c = await lockAnyCase(em, id);
      if (!c || !inScope(scope, c.ownerId)) throw notFound('Case', id);
      const entry = await lockDeletedCase(em, id);
      if (!entry) throw conflict(`Case ${id} is not deleted`, 'input.id');
      requireCaseChange(writable, c);
      requireRestorable('Case', id, new Date(entry.restorableUntil), new Date());
      await unmarkCaseDeleted(em, id);
      await this.db.publish(
        em,
        newEvent({
          type: CASE_RESTORED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { recordType: 'CASE', id, deletionId: entry.deletionId, restoredAt: new Date().toISOString() },
        }),
      );
      await this.audit.record(em, {
        tenantId: principal.tenantId,
        action: 'restoreCase',
        objectType: 'Case',
        objectId: id,
        details: { deletionId: entry.deletionId },
      });
      return em.getRepository(CaseEntity).findOneByOrFail({ id });
    });
    // Its clocks ran on while it was deleted; the timers that fell due meanwhile fire now.
    await this.timers.plan(restored);
    return restored;
  }

  /** Deleted cases still restorable, newest deletion first: admins only. */
  async listDeleted(principal: Principal, args: PageArgs) {
    if (principal.kind !== 'user' || !principal.roles.includes('admin')) throw forbidden('only admins list deleted cases');
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql<DeletedCaseRow, DeletedCaseRow>(em, {
        select: DELETED_CASE_SELECT,
        from: `deleted_cases WHERE true`,
        params: [],
        ...wanted,
        sortColumn: 'deleted_at',
        idColumn: 'case_id',
        direction: 'DESC',
        cursorOf: (r) => [new Date(r.deletedAt).toISOString(), r.id],
        map: (r) => r,
      }),
    );
  }
}
