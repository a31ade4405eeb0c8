import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  ERASURE_REQUESTED,
  erasureConfirmedType,
  personalKeyId,
  exportGatheredType,
  PERSONAL_DATA_EXPORT_REQUESTED,
  STREAMS,
  SYSTEM_ACTOR,
  type ErasureConfirmedV1,
  type ErasureRequestedV1,
  type EventEnvelope,
  type PersonalDataExportRequestedV1,
  type PersonalDataGatheredV1,
} from '@rapport/contracts';
import { ensureStreamOnce, EventConsumer, newEvent, PersonalKeys, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { AuditRecorder } from '../audit';
import { ConsumerRegistry } from '../consumer-registry';
import type { ServiceDefinition } from '../definition';
import { ServiceDatabase } from '../service-database';
import { LOGGER, MESSAGING_NAMING, NATS_CONNECTION, SERVICE_DEFINITION } from '../tokens';
import { PERSONAL_DATA, type PersonalDataSource } from './personal-data';
import { sealJson } from './sealed';

/**
 * A service's part in data-subject requests (ADR 034): takes the
 * coordinator's export and erasure requests from the SERVICE stream, runs
 * the service's PersonalDataSource in the event's inbox transaction, and
 * answers on its own stream in that same transaction — so the answer exists
 * exactly when the work committed, and a redelivered request is not done
 * twice. Erasures are audited here (a consumer has no mutation to do it).
 */
@Injectable()
export class PrivacyParticipant implements OnModuleInit {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PERSONAL_DATA) private readonly source: PersonalDataSource,
    private readonly tenantDb: TenantDatabase,
    private readonly db: ServiceDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly audit: AuditRecorder,
    private readonly keys: PersonalKeys,
  ) {}

  async onModuleInit(): Promise<void> {
    const stream = await ensureStreamOnce(this.nc, this.naming, STREAMS.SERVICE);
    this.registry.register(
      new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream,
        durable: `${this.def.name}_privacy`,
        eventTypes: [PERSONAL_DATA_EXPORT_REQUESTED, ERASURE_REQUESTED],
        handler: (event, em) => this.handle(event, em),
      }),
    );
  }

  async handle(event: EventEnvelope, em: EntityManager): Promise<void> {
    if (event.type === PERSONAL_DATA_EXPORT_REQUESTED) return this.gather(event as PersonalDataExportRequestedV1, em);
    if (event.type === ERASURE_REQUESTED) return this.erase(event as ErasureRequestedV1, em);
  }

  private async gather(event: PersonalDataExportRequestedV1, em: EntityManager): Promise<void> {
    const { requestId, recordIds, publicKey } = event.data;
    const tables = await this.source.gather(em, event.tenantId, recordIds);
    const data: PersonalDataGatheredV1 = {
      requestId,
      service: this.def.name,
      counts: Object.fromEntries(Object.entries(tables).map(([table, rows]) => [table, rows.length])),
      sealed: sealJson(publicKey, { tables }),
    };
    await this.answer(em, event, exportGatheredType(this.def.name), data);
  }

  private async erase(event: ErasureRequestedV1, em: EntityManager): Promise<void> {
    const { requestId, recordIds, contactId, forced } = event.data;
    const sealedRecords = (await this.source.sealedRecords?.(em, event.tenantId, recordIds)) ?? [];
    const erased = await this.source.erase(em, event.tenantId, recordIds);
    // The streams: every past event sealed with these records' keys now reads as erased, on any replay (ADR 034, 052).
    // Each participant destroys them (idempotent), so the erasure does not wait on one service for it.
    await this.keys.shred([...recordIds, ...sealedRecords].map((id) => personalKeyId(event.tenantId, id)));
    const data: ErasureConfirmedV1 = { requestId, service: this.def.name, erased };
    await this.answer(em, event, erasureConfirmedType(this.def.name), data);
    await this.audit.record(em, {
      tenantId: event.tenantId,
      action: 'privacy.erased',
      objectType: 'Contact',
      objectId: contactId,
      details: { requestId, forced, erased },
    });
    this.logger.info({ requestId, service: this.def.name, erased }, 'personal data erased');
  }

  private answer(em: EntityManager, request: EventEnvelope, type: string, data: unknown): Promise<void> {
    return this.db.publish(
      em,
      newEvent({ type, tenantId: request.tenantId, actor: SYSTEM_ACTOR, subjectId: (data as { requestId: string }).requestId, data }),
    );
  }
}
