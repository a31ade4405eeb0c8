import { Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { ELSEWHERE_EVENTS, elsewhereChange, type ElsewhereChange } from './timeline-elsewhere';
import { TimelineRecorder } from './timeline-recorder';

/**
 * Puts what service, analytics and marketing report about a customer on the
 * customer's timeline (ADR 045): one durable consumer per producer's stream,
 * inbox-deduplicated, so each happening is one entry however often it
 * arrives. The streams are ensured here because sales may start first.
 */
@Injectable()
export class TimelineElsewhereConsumer implements OnModuleInit {
  constructor(private readonly registry: ConsumerRegistry) {}

  async onModuleInit(): Promise<void> {
    for (const producer of Object.keys(ELSEWHERE_EVENTS) as (keyof typeof ELSEWHERE_EVENTS)[]) {
      await this.registry.consumeInBatches(STREAMS[producer], {
        durable: `sales_timeline_${producer.toLowerCase()}`,
        eventTypes: [...ELSEWHERE_EVENTS[producer]],
        handleBatch: async (events, em, tenantId) => {
          for (const event of events) await apply(em, tenantId, event);
        },
      });
    }
  }
}

async function apply(em: EntityManager, tenantId: string, event: EventEnvelope): Promise<void> {
  const change: ElsewhereChange | null = elsewhereChange(event);
  if (!change) return;
  switch (change.op) {
    case 'record': {
      if (change.once && (await TimelineRecorder.hasEntry(em, change.refId, change.kind))) return;
      let accountId = change.accountId;
      if (change.onAccount && !accountId && change.contactId) {
        const [contact]: { account_id: string | null }[] = await em.query(`SELECT account_id FROM contacts WHERE id = $1`, [
          change.contactId,
        ]);
        accountId = contact?.account_id ?? null;
      }
      await TimelineRecorder.record(em, {
        tenantId,
        subjects: [
          { type: 'CONTACT', id: change.contactId },
          { type: 'ACCOUNT', id: change.onAccount ? accountId : null },
        ],
        kind: change.kind,
        occurredAt: change.occurredAt,
        summary: change.summary,
        refId: change.refId,
        refOwnerId: change.refOwnerId,
      });
      return;
    }
    case 'owner':
      await TimelineRecorder.setRefOwner(em, change.refId, change.ownerId);
      return;
    default:
      await TimelineRecorder.followDeletion(em, change.op, change.refId);
  }
}
