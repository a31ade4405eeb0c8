import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  ERASURE_CONFIRMED_SUFFIX,
  erasureConfirmedType,
  EXPORT_GATHERED_SUFFIX,
  exportGatheredType,
  PRIVACY_PARTICIPANTS,
  STREAMS,
  type ErasureConfirmedV1,
  type EventEnvelope,
  type PersonalDataGatheredV1,
} from '@rapport/contracts';
import { BatchEventConsumer, ensureStreamOnce, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import {
  AuditRecorder,
  ConsumerRegistry,
  LOGGER,
  MESSAGING_NAMING,
  NATS_CONNECTION,
  openSealed,
  SERVICE_CONFIG,
} from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { buildArchive, missingServices, statusAfter, type ArchivePart } from './privacy-report';

const STREAM_OF: Record<string, (typeof STREAMS)[keyof typeof STREAMS]> = {
  sales: STREAMS.SALES,
  service: STREAMS.SERVICE,
  analytics: STREAMS.ANALYTICS,
  marketing: STREAMS.MARKETING,
  identity: STREAMS.IDENTITY,
};

interface RequestRow {
  id: string;
  kind: 'EXPORT' | 'ERASURE';
  contact_id: string;
  record_ids: string[];
  status: string;
  requested_at: Date;
  deadline_at: Date;
  private_key: string | null;
}

/**
 * The coordinator's half of the saga: every participant's answer, from its
 * own stream, recorded once per (request, service) in the inbox transaction;
 * the request completes when the last one arrives, or is reported
 * INCOMPLETE at its deadline (PrivacyDeadlines) naming who is missing. An
 * export's parts are opened with the request's private key as they arrive;
 * the archive is built and the key forgotten at completion.
 */
@Injectable()
export class PrivacyAnswers implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly audit: AuditRecorder,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const service of PRIVACY_PARTICIPANTS) {
      const stream = await ensureStreamOnce(this.nc, this.naming, STREAM_OF[service]);
      this.registry.register(
        // In batches, though answers are few: should the stream's other messages reach it (its filter is the
        // cover of the two types, ADR 089), a batch consumer passes over them by subject in one write.
        new BatchEventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
          stream,
          durable: `service_privacy_answers_${service}`,
          eventTypes: [exportGatheredType(service), erasureConfirmedType(service)],
          handleBatch: async (events, em) => {
            for (const event of events) await this.take(event, em);
          },
        }),
      );
    }
  }

  async take(event: EventEnvelope, em: EntityManager): Promise<void> {
    const { requestId, service } = event.data as { requestId: string; service: string };
    const [request]: RequestRow[] = await em.query(
      `SELECT id, kind, contact_id, record_ids, status, requested_at, deadline_at, private_key FROM privacy_requests WHERE id = $1 FOR UPDATE`,
      [requestId],
    );
    if (!request) {
      this.logger.warn({ requestId, service, type: event.type }, 'answer to an unknown data-subject request; ignored');
      return;
    }
    if (event.type.endsWith(EXPORT_GATHERED_SUFFIX)) {
      const answer = event.data as PersonalDataGatheredV1;
      // The key is gone once the archive was built (or the person erased): a late part cannot be opened any more.
      const part = request.private_key ? openSealed(request.private_key, answer.sealed) : null;
      await this.store(em, event.tenantId, requestId, service, answer.counts, part);
    } else if (event.type.endsWith(ERASURE_CONFIRMED_SUFFIX)) {
      await this.store(em, event.tenantId, requestId, service, (event.data as ErasureConfirmedV1).erased, null);
    }
    await this.settle(em, event.tenantId, request, new Date() >= request.deadline_at);
  }

  /** Completes the request when every service answered, or reports it INCOMPLETE once past its deadline. */
  async settle(em: EntityManager, tenantId: string, request: RequestRow, deadlinePassed: boolean): Promise<void> {
    const answers: { service: string; counts: Record<string, number>; part: { tables: Record<string, unknown[]> } | null }[] =
      await em.query(`SELECT service, counts, part FROM privacy_answers WHERE request_id = $1`, [request.id]);
    const status = statusAfter(
      answers.map((a) => a.service),
      deadlinePassed,
    );
    if (status === 'PENDING' || status === request.status) return;
    const missing = missingServices(answers.map((a) => a.service));
    const report = {
      answered: Object.fromEntries(answers.map((a) => [a.service, a.counts])),
      missingServices: missing,
    };
    if (request.kind === 'EXPORT') {
      const parts: ArchivePart[] = answers.map((a) => ({ service: a.service, counts: a.counts, tables: a.part?.tables ?? {} }));
      const archive = buildArchive(
        { id: request.id, contactId: request.contact_id, recordIds: request.record_ids, requestedAt: request.requested_at },
        parts,
        new Date(),
      );
      // Parts are copied into the archive; the key goes only once nothing more can arrive.
      await em.query(
        `UPDATE privacy_requests SET archive = $2, download_expires_at = now() + make_interval(secs => $3),
                private_key = CASE WHEN $4 THEN NULL ELSE private_key END
          WHERE id = $1`,
        [request.id, Buffer.from(JSON.stringify(archive)), this.config.PRIVACY_EXPORT_TTL_SECONDS, status === 'COMPLETED'],
      );
      if (status === 'COMPLETED') await em.query(`UPDATE privacy_answers SET part = NULL WHERE request_id = $1`, [request.id]);
    }
    await em.query(`UPDATE privacy_requests SET status = $2, completed_at = now(), report = $3 WHERE id = $1`, [
      request.id,
      status,
      JSON.stringify(report),
    ]);
    await this.audit.record(em, {
      tenantId,
      action: request.kind === 'EXPORT' ? 'privacy.export.completed' : 'privacy.erasure.completed',
      objectType: request.kind === 'EXPORT' ? 'PersonalDataExport' : 'ErasureRequest',
      objectId: request.id,
      details: { status, contactId: request.contact_id, ...report },
    });
    if (missing.length)
      this.logger.warn({ requestId: request.id, kind: request.kind, missing }, 'data-subject request incomplete at its deadline');
  }

  private async store(
    em: EntityManager,
    tenantId: string,
    requestId: string,
    service: string,
    counts: Record<string, number>,
    part: unknown,
  ): Promise<void> {
    await em.query(
      `INSERT INTO privacy_answers (tenant_id, request_id, service, counts, part) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (request_id, service) DO NOTHING`,
      [tenantId, requestId, service, JSON.stringify(counts), part === null ? null : JSON.stringify(part)],
    );
  }
}
