import { Inject, Injectable } from '@nestjs/common';
import { auditRecordedType, SYSTEM_ACTOR, type AuditRecordV1, type EventActor } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { logContext, type Logger } from '@rapport/observability';
import type { EntityManager } from 'typeorm';
import type { ServiceDefinition } from '../definition';
import { ServiceDatabase } from '../service-database';
import { LOGGER, SERVICE_DEFINITION } from '../tokens';
import { currentAuditScope, type AuditDescription, type AuditScope } from './audit-scope';

/** An entry recorded outside a mutation (a job, a refused sign-in): who and which tenant must be said. */
export interface AuditEntry extends AuditDescription {
  tenantId: string;
  action: string;
  /** Jobs and consumers act as the system. */
  actor?: EventActor;
  requestId?: string | null;
}

/**
 * Writes audit entries to the service's outbox as `<service>.audit.recorded`
 * events; identity's audit log consumes them from every stream (ADR 025).
 * Inside a mutation the entry is the mutation's one entry; elsewhere (jobs,
 * sign-in failures) each call is an entry of its own.
 */
@Injectable()
export class AuditRecorder {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
  ) {}

  /**
   * Records in `em`'s transaction, so the entry commits exactly when the
   * change does. In a mutation, `entry` adds to the mutation's description
   * and the interceptor then writes nothing; a second call in the same
   * mutation is ignored (one mutation, one entry).
   */
  async record(em: EntityManager, entry: Partial<AuditEntry> = {}): Promise<void> {
    const scope = currentAuditScope();
    if (scope) {
      if (scope.recorded || scope.pendingIn) {
        this.logger.warn({ action: scope.action }, 'audit entry of this mutation already written; extra record ignored');
        return;
      }
      Object.assign(scope, definedOnly(entry));
      if (!scope.tenantId) return; // The interceptor reports it.
      await this.db.publish(em, this.eventOf(scope));
      scope.pendingIn = em;
      return;
    }
    if (!entry.tenantId || !entry.action) {
      this.logger.error({ entry }, 'audit entry outside a mutation lacks tenantId or action; not recorded');
      return;
    }
    await this.db.publish(em, this.eventOf(this.standalone(entry as AuditEntry)));
  }

  /**
   * An entry of its own, with the system as actor, in `em`'s transaction,
   * even inside a mutation: for automation a change sets off on another
   * object (a rule rescoring the lead whose activity was completed). The
   * mutation keeps its one entry about what the caller changed; this one
   * says what the rules changed, naming the mutation's request in
   * `details.causedByRequest` (not as its request id: that stays the
   * caller's one entry).
   */
  async recordAutomation(em: EntityManager, entry: Omit<AuditEntry, 'actor' | 'requestId'>): Promise<void> {
    const cause = currentAuditScope();
    const details = cause ? { ...entry.details, causedByRequest: cause.requestId, causedBy: cause.action } : entry.details;
    await this.db.publish(em, this.eventOf(this.standalone({ ...entry, details })));
  }

  /** Records in a transaction of its own (e.g. a refused sign-in, whose own transaction rolls back). */
  async recordNow(entry: AuditEntry): Promise<void> {
    await this.db.withTenant(entry.tenantId, (em) => this.db.publish(em, this.eventOf(this.standalone(entry))));
  }

  /** The interceptor's half: after a successful mutation, the entry unless the domain already wrote it. */
  async finish(scope: AuditScope): Promise<void> {
    if (scope.recorded) return;
    if (!scope.tenantId) {
      // Only public mutations lack a principal, and they name the tenant when they change something (a sign-out
      // of an unknown session changes nothing); a warning, so one that forgets shows in the logs and the walk test.
      this.logger.warn({ action: scope.action }, 'mutation succeeded with no tenant to audit it under; not recorded');
      return;
    }
    const tenantId = scope.tenantId;
    await this.db.withTenant(tenantId, (em) => this.db.publish(em, this.eventOf(scope)));
    scope.recorded = true;
  }

  private standalone(entry: AuditEntry): AuditScope {
    // A consumer or job acting on an event runs under the request id that caused it (inConsumerSpan): the entry
    // names that request as its cause, while request_id stays the one entry of the request itself.
    const cause = entry.requestId ? undefined : logContext.getStore()?.requestId;
    return {
      service: this.def.name,
      tenantId: entry.tenantId,
      actor: entry.actor ?? SYSTEM_ACTOR,
      requestId: entry.requestId ?? null,
      action: entry.action,
      objectType: entry.objectType ?? null,
      objectId: entry.objectId ?? null,
      changes: entry.changes ?? null,
      details: cause ? { causedByRequest: cause, ...entry.details } : (entry.details ?? null),
      pendingIn: null,
      recorded: false,
    };
  }

  private eventOf(scope: AuditScope) {
    const data: AuditRecordV1 = {
      service: this.def.name,
      action: scope.action,
      objectType: scope.objectType,
      objectId: scope.objectId,
      changes: scope.changes,
      requestId: scope.requestId,
      details: scope.details,
    };
    return newEvent({
      type: auditRecordedType(this.def.name),
      tenantId: scope.tenantId as string,
      actor: scope.actor,
      subjectId: scope.objectId ?? scope.tenantId ?? '',
      data,
    });
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
