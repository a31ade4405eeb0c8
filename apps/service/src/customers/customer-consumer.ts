import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  ACCOUNT_CREATED,
  ACCOUNT_MERGED,
  ACCOUNT_UNMERGED,
  ACCOUNT_UPDATED,
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  CONTACT_RESYNCED,
  STREAMS,
  type AccountCreatedV1,
  type AccountMergedV1,
  type AccountUnmergedV1,
  type AccountUpdatedV1,
  type ContactCreatedV1,
  type ContactResyncedV1,
  type ContactMergedV1,
  type ContactSnapshotV1,
  type ContactUnmergedV1,
  type ContactUpdatedV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { BatchEventConsumer, ensureStreamOnce, type EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { applyDeletionFact, CUSTOMER_DELETION_EVENT_TYPES, deletionFactOf } from '@rapport/customer-master';
import { applyAccountSnapshot, applyContactSnapshots } from './customer-projection';
import { CUSTOMER_TABLES, CustomerMerges } from './customer-merges';

const CUSTOMER_EVENTS = [
  CONTACT_CREATED,
  CONTACT_UPDATED,
  // A live contact republished for a rebuild (ADR 053): heals a copy that missed events the stream no longer holds.
  CONTACT_RESYNCED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  ACCOUNT_CREATED,
  ACCOUNT_UPDATED,
  ACCOUNT_MERGED,
  ACCOUNT_UNMERGED,
  ...CUSTOMER_DELETION_EVENT_TYPES,
];

const CONTACT_SNAPSHOT_TYPES: ReadonlySet<string> = new Set([CONTACT_CREATED, CONTACT_UPDATED, CONTACT_RESYNCED]);

/**
 * The durable consumer of sales' customer master (inbox-deduplicated):
 * contacts and accounts into the projection, merges and unmerges into
 * CustomerMerges, in stream order. Taken in batches, one transaction per
 * tenant batch (BatchEventConsumer), so a bulk import in sales reaches
 * service in seconds, not at one transaction per contact. The SALES stream is ensured here because
 * service may start before sales. `caughtUp()` tells whether every event
 * on the stream has been applied (used to refuse unknown ids without waiting).
 */
@Injectable()
export class CustomerMasterConsumer implements OnModuleInit {
  private consumer: EventConsumer | null = null;
  private stream = '';

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly merges: CustomerMerges,
  ) {}

  async onModuleInit(): Promise<void> {
    this.stream = await ensureStreamOnce(this.nc, this.naming, STREAMS.SALES);
    this.consumer = new BatchEventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
      stream: this.stream,
      durable: 'service_customer_master',
      eventTypes: CUSTOMER_EVENTS,
      handleBatch: (events, em, tenantId) => this.applyBatch(events, em, tenantId),
    });
    this.registry.register(this.consumer);
  }

  /** Nothing of the stream is waiting for this consumer (neither undelivered nor unacknowledged). */
  async caughtUp(): Promise<boolean> {
    if (!this.consumer) return false;
    try {
      const jsm = await this.nc.jetstreamManager();
      const info = await jsm.consumers.info(this.stream, this.consumer.durableName);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    } catch (err) {
      this.logger.warn({ err }, 'customer-master consumer info unavailable');
      return false;
    }
  }

  /**
   * In stream order: runs of contact snapshots set-based (an import brings
   * thousands in a row), everything else one by one between them.
   */
  private async applyBatch(events: readonly EventEnvelope[], em: EntityManager, tenantId: string): Promise<void> {
    let snapshots: ContactSnapshotV1[] = [];
    for (const event of events) {
      if (CONTACT_SNAPSHOT_TYPES.has(event.type)) {
        snapshots.push((event as ContactCreatedV1 | ContactUpdatedV1 | ContactResyncedV1).data.contact);
        continue;
      }
      await applyContactSnapshots(em, tenantId, snapshots);
      snapshots = [];
      await this.apply(event, em);
    }
    await applyContactSnapshots(em, tenantId, snapshots);
  }

  private async apply(event: EventEnvelope, em: EntityManager): Promise<void> {
    const tenantId = event.tenantId;
    switch (event.type) {
      case ACCOUNT_CREATED:
      case ACCOUNT_UPDATED:
        return applyAccountSnapshot(em, tenantId, (event as AccountCreatedV1 | AccountUpdatedV1).data.account);
      case CONTACT_MERGED: {
        const { survivorId, mergedIds, mergeId } = (event as ContactMergedV1).data;
        // Merges published before the journal id existed are identified by their event.
        return this.merges.applyMerge(em, tenantId, 'CONTACT', {
          survivorId,
          mergedIds,
          mergeId: mergeId ?? event.id,
          mergedAt: event.occurredAt,
        });
      }
      case CONTACT_UNMERGED:
        return this.merges.applyUnmerge(em, tenantId, 'CONTACT', { ...(event as ContactUnmergedV1).data, unmergedAt: event.occurredAt });
      case ACCOUNT_MERGED:
        return this.merges.applyMerge(em, tenantId, 'ACCOUNT', { ...(event as AccountMergedV1).data, mergedAt: event.occurredAt });
      case ACCOUNT_UNMERGED:
        return this.merges.applyUnmerge(em, tenantId, 'ACCOUNT', { ...(event as AccountUnmergedV1).data, unmergedAt: event.occurredAt });
    }
    // Deleted in sales: the record stays here (its cases keep their history) and shows as deleted.
    const deletion = deletionFactOf(event);
    if (deletion) await applyDeletionFact(em, tenantId, CUSTOMER_TABLES[deletion.kind], deletion);
  }
}
