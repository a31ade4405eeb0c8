import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CASE_UPDATED,
  RECOVERY_CASE_PRIORITY_REQUESTED,
  STREAMS,
  SYSTEM_ACTOR,
  type CasePriorityV1,
  type RecoveryCasePriorityRequestedV1,
} from '@rapport/contracts';
import { appendToOutbox, newEvent, OutboxRelay } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { AuditRecorder, ConsumerRegistry, LOGGER } from '@rapport/service-kit';
import { In, type EntityManager } from 'typeorm';
import { CaseEntity } from './case.entity';
import { ACTIVE_STATUSES, PRIORITIES } from './case-rules';
import { caseSnapshot } from './case-snapshot';

/**
 * Priority raises that marketing's service-recovery journeys ask for
 * (`marketing.recovery.case_priority_requested`, inbox-deduplicated): the
 * contact's open COMPLAINT cases go up to at least the requested priority,
 * never down. Like an escalation, the raise keeps the SLA the case has (the
 * customer's complaint is measured against what was promised when it came
 * in); each changed case publishes service.case.updated naming `priority`.
 */
@Injectable()
export class RecoveryPriorityConsumer implements OnModuleInit {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: ConsumerRegistry,
    private readonly relay: OutboxRelay,
    private readonly audit: AuditRecorder,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consumeInBatches(STREAMS.MARKETING, {
      durable: 'service_recovery_priority',
      eventTypes: [RECOVERY_CASE_PRIORITY_REQUESTED],
      handleBatch: async (events, em) => {
        for (const event of events) {
          const { data } = event as RecoveryCasePriorityRequestedV1;
          if (!PRIORITIES.includes(data?.priority)) {
            this.logger.warn({ eventId: event.id }, 'recovery priority request without a known priority; ignored');
            continue;
          }
          await this.raise(em, event.tenantId, data.contactId, data.priority);
        }
      },
      afterCommit: () => this.relay.kick(),
    });
  }

  private async raise(em: EntityManager, tenantId: string, contactId: string, priority: CasePriorityV1): Promise<void> {
    const cases = await em.getRepository(CaseEntity).find({
      where: { contactId, category: 'COMPLAINT', status: In([...ACTIVE_STATUSES]) },
      lock: { mode: 'pessimistic_write' },
    });
    const now = new Date();
    for (const c of cases) {
      if (PRIORITIES.indexOf(c.priority) >= PRIORITIES.indexOf(priority)) continue;
      // A change another service asked for: audited with the system as actor, in the consumer's transaction.
      await this.audit.record(em, {
        tenantId,
        action: 'case.priorityRaised',
        objectType: 'Case',
        objectId: c.id,
        changes: { priority: { before: c.priority, after: priority } },
        details: { reason: 'recovery journey' },
      });
      c.priority = priority;
      c.updatedAt = now;
      await em.getRepository(CaseEntity).update({ id: c.id }, { priority, updatedAt: now });
      await appendToOutbox(
        em,
        newEvent({
          type: CASE_UPDATED,
          tenantId,
          actor: SYSTEM_ACTOR,
          subjectId: c.id,
          data: { case: caseSnapshot(c), changed: ['priority'] },
        }),
      );
    }
  }
}
