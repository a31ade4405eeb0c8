import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_ACCESS, STREAMS, type EventEnvelope } from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { WebhookDeliveries } from './webhook-deliveries';
import { matchesFilter, type WebhookFilter } from './webhook-filter';
import type { DeliveryJob } from './webhook-rows';

/** The streams whose events can be delivered (EVENT_ACCESS), by the prefix of their types. */
export const DELIVERABLE_STREAMS = [
  { service: 'sales', stream: STREAMS.SALES },
  { service: 'service', stream: STREAMS.SERVICE },
  { service: 'marketing', stream: STREAMS.MARKETING },
  { service: 'analytics', stream: STREAMS.ANALYTICS },
];

/**
 * The fan-out from every producing stream to webhook endpoints: one durable
 * batch consumer per stream (as the audit log has one per stream), a
 * delivery row per matching enabled endpoint, unique per (endpoint, event),
 * so a redelivered event creates none twice. That key is the only guard:
 * the consumer keeps no inbox rows (ADR 087) — it takes every event of every
 * stream and, for tenants without endpoints, writing the inbox was all it
 * did. A redelivery also makes no second job (its insert returns no row).
 * An endpoint gets only events that happened after it was
 * created (older ones through replay). The same place will feed GraphQL
 * subscriptions: what is matched here is type, tenant and filter; what the
 * receiver may read is decided at send time (eventForReader).
 */
@Injectable()
export class WebhookFanOut implements OnModuleInit {
  constructor(
    private readonly registry: ConsumerRegistry,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const { service, stream } of DELIVERABLE_STREAMS) {
      await this.registry.consumeInBatches<DeliveryJob[]>(stream, {
        durable: `identity_webhooks_${service}`,
        eventTypes: [`${service}.>`],
        // Idempotent by UNIQUE (endpoint_id, event_id) with ON CONFLICT DO NOTHING, jobs only for rows inserted.
        inbox: false,
        handleBatch: (events, em) => this.record(em, events, false),
        // Jobs only for committed rows: a job must never look for a delivery that is not there yet, or was rolled back.
        afterCommit: (_tenantId, _events, jobs) => void this.deliveries.enqueue(jobs),
      });
    }
  }

  /**
   * Writes the deliveries of one tenant's events (one per matching endpoint;
   * `endpointId` narrows to one, for replay) and returns their jobs. A
   * replayed event that was delivered before becomes pending again under
   * the next generation — the same webhook-id, a new job.
   */
  async record(em: EntityManager, events: EventEnvelope[], replay: boolean, endpointId?: string): Promise<DeliveryJob[]> {
    const deliverable = events.filter((e) => EVENT_ACCESS[e.type]);
    if (deliverable.length === 0) return [];
    const endpoints: EndpointMatch[] = await em.query(
      `SELECT id, filter, event_types AS "eventTypes", created_at AS "createdAt" FROM webhook_endpoints
        WHERE enabled AND event_types && $1 AND ($2::uuid IS NULL OR id = $2)`,
      [[...new Set(deliverable.map((e) => e.type))], endpointId ?? null],
    );
    if (endpoints.length === 0) return [];
    const rows: unknown[][] = [];
    for (const event of deliverable)
      for (const endpoint of endpoints)
        if (matches(endpoint, event, replay))
          rows.push([uuidv7(), event.tenantId, endpoint.id, event.id, event.type, event.subjectId, JSON.stringify(event)]);
    const jobs: DeliveryJob[] = [];
    // In event order, so each endpoint's seq follows the stream (per-subject ordering relies on it).
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const values = chunk.map((_, r) => `(${[1, 2, 3, 4, 5, 6, 7].map((c) => `$${r * 7 + c}`).join(', ')}, 'PENDING')`).join(', ');
      const inserted: { id: string; tenant_id: string; generation: number }[] = await em.query(
        `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, subject_id, event, status) VALUES ${values}
         ON CONFLICT (endpoint_id, event_id) DO ${replay ? `UPDATE SET status = 'PENDING', generation = webhook_deliveries.generation + 1` : 'NOTHING'}
         RETURNING id, tenant_id, generation`,
        chunk.flat(),
      );
      for (const r of inserted) jobs.push({ tenantId: r.tenant_id, deliveryId: r.id, generation: r.generation });
    }
    return jobs;
  }
}

interface EndpointMatch {
  id: string;
  filter: WebhookFilter | null;
  eventTypes: string[];
  createdAt: Date;
}

/** Rows per INSERT: 7 parameters each, well below PostgreSQL's 65,535. */
const INSERT_CHUNK = 500;

/** An endpoint gets events of its types that pass its filter and, except in a replay, happened after it was created. */
function matches(endpoint: EndpointMatch, event: EventEnvelope, replay: boolean): boolean {
  if (!endpoint.eventTypes.includes(event.type)) return false;
  if (!replay && new Date(event.occurredAt) < endpoint.createdAt) return false;
  return matchesFilter(endpoint.filter, event);
}
