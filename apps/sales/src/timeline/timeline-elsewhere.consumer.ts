import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { BatchEventConsumer, ensureStream, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
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
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const producer of Object.keys(ELSEWHERE_EVENTS) as (keyof typeof ELSEWHERE_EVENTS)[]) {
      const stream = await ensureStream(this.nc, this.naming, STREAMS[producer]);
      this.registry.register(
        new BatchEventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
          stream,
          durable: `sales_timeline_${producer.toLowerCase()}`,
          eventTypes: [...ELSEWHERE_EVENTS[producer]],
          handleBatch: async (events, em, tenantId) => {
            for (const event of events) await apply(em, tenantId, event);
          },
        }),
      );
    }
  }
}

async function apply(em: EntityManager, tenantId: string, event: EventEnvelope): Promise<void> {
  const change: ElsewhereChange | null = elsewhereChange(event);
  if (!change) return;
  switch (change.op) {
    case 'record': {
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
