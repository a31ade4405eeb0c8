import type { EventEnvelope } from '@rapport/contracts';
import type { EntityManager, QueryRunner } from 'typeorm';
import { enableTenantRls } from '@rapport/persistence';

/**
 * Transactional outbox: an event is written to `outbox` in the same
 * transaction as the change it describes, so the two commit or roll back
 * together. The relay publishes it afterwards.
 */
export async function appendToOutbox(em: EntityManager, event: EventEnvelope): Promise<void> {
  await em.query(`INSERT INTO outbox (id, tenant_id, type, envelope, created_at) VALUES ($1, $2, $3, $4, $5)`, [
    event.id,
    event.tenantId,
    event.type,
    JSON.stringify(event),
    event.occurredAt,
  ]);
}

/** Rows per INSERT when many events are appended at once (keeps each statement's parameters bounded). */
export const OUTBOX_CHUNK = 1000;

/**
 * appendToOutbox for many events: one multi-row INSERT per OUTBOX_CHUNK
 * events (four array parameters, not one statement per event), rows in the
 * given order. Same transaction rules as appendToOutbox.
 */
export async function appendManyToOutbox(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
  for (let i = 0; i < events.length; i += OUTBOX_CHUNK) {
    const chunk = events.slice(i, i + OUTBOX_CHUNK);
    await em.query(
      `INSERT INTO outbox (id, tenant_id, type, envelope, created_at)
       SELECT e.id, e.tenant_id, e.type, e.envelope, e.created_at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::timestamptz[]) WITH ORDINALITY
           AS e(id, tenant_id, type, envelope, created_at, n)
        ORDER BY e.n`,
      [
        chunk.map((e) => e.id),
        chunk.map((e) => e.tenantId),
        chunk.map((e) => e.type),
        chunk.map((e) => JSON.stringify(e)),
        chunk.map((e) => e.occurredAt),
      ],
    );
  }
}

/** Migration helper: the outbox and inbox tables every service has. */
export async function createMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    type text NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    published_at timestamptz
  )`);
  await queryRunner.query(`CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL`);
  await queryRunner.query(`CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL`);
  await enableTenantRls(queryRunner, 'outbox');
  await queryRunner.query(`CREATE TABLE inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
  )`);
  await enableTenantRls(queryRunner, 'inbox');
}
