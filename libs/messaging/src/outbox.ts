import type { EventEnvelope } from '@rapport/contracts';
import type { EntityManager, QueryRunner } from 'typeorm';
import { enableTenantRls } from '@rapport/persistence';
import { currentMessageContext, publishedEnvelope, storedEnvelope } from './trace-context';

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
    storedEnvelope(event, currentMessageContext()),
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
  const trace = currentMessageContext();
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
        chunk.map((e) => storedEnvelope(e, trace)),
        chunk.map((e) => e.occurredAt),
      ],
    );
  }
}

/**
 * The `type` of an outbox row that holds many envelopes (a JSON array, in
 * publishing order) instead of one. The relay publishes each envelope as its
 * own message with its own Nats-Msg-Id, so consumers and deduplication see
 * exactly what single rows would have given them.
 */
export const PACKED_OUTBOX_TYPE = 'outbox.packed';

/**
 * Turns a compact outbox row (a `type` of the producer's own, registered with
 * the relay by its ServiceDefinition.outboxExpanders) into the envelopes it
 * stands for, in publishing order, as storedEnvelope would have stored them
 * (trace context under STORED_TRACE_KEY). Must be deterministic — the same
 * row gives the same envelopes, ids included — since a batch the relay rolls
 * back is expanded and published again, and the stream drops the copies by
 * event id. For producers whose events repeat most of their envelope (a
 * scoring's per-customer events): the row holds what differs once.
 */
export type OutboxExpander = (row: { id: string; envelope: unknown }) => EventEnvelope[];

/**
 * The id of the `index`-th event a compact row stands for: the row's own
 * UUID v7 with its last 32 bits replaced by the index, so ids are unique
 * (rows differ in their other 42 random bits and milliseconds), stay UUID
 * v7, and are the same every time the row is expanded.
 */
export function derivedEventId(rowId: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError(`event index ${index} out of range`);
  return rowId.slice(0, 28) + index.toString(16).padStart(8, '0');
}

/** Envelopes per packed row: bounds a row (about 0.5 MB) and what the relay holds and pipelines at once. */
export const OUTBOX_PACK = 1000;

/**
 * appendManyToOutbox for bulk publishers (a scoring announcing a million
 * customers): the events go into packed rows of up to OUTBOX_PACK envelopes
 * each, in order. What a row costs in the outbox (its index entries, its
 * tuple, WAL per row) is paid once per pack instead of once per event. A row
 * is keyed by its first envelope's id and dated by its first envelope, so it
 * sorts exactly where that event would have. Same transaction rules as
 * appendToOutbox; the events themselves (ids, order, content) are unchanged.
 */
export async function appendPackedToOutbox(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
  // One row per statement, each column its own parameter: packs sent inside an array parameter are
  // escaped into an array literal and parsed back character by character, which cost more than the
  // rows it saved (twice the single rows' time). Built one at a time, so memory stays one pack deep.
  const trace = currentMessageContext();
  for (let i = 0; i < events.length; i += OUTBOX_PACK) {
    const pack = events.slice(i, i + OUTBOX_PACK);
    await em.query(`INSERT INTO outbox (id, tenant_id, type, envelope, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)`, [
      pack[0].id,
      pack[0].tenantId,
      PACKED_OUTBOX_TYPE,
      `[${pack.map((e) => storedEnvelope(e, trace)).join(',')}]`,
      pack[0].occurredAt,
    ]);
  }
}

/**
 * The outbox as one row per event (packed rows unpacked, in order), for
 * diagnosis and tests: `SELECT … FROM ${outboxEvents()} WHERE type = $1`
 * (`table`: a schema-qualified outbox). Columns: id, tenant_id, type,
 * envelope, created_at, published_at.
 */
export function outboxEvents(table = 'outbox'): string {
  return `(SELECT (e.envelope->>'id')::uuid AS id, o.tenant_id, e.envelope->>'type' AS type, e.envelope, o.created_at, o.published_at
     FROM ${table} o
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN o.type = '${PACKED_OUTBOX_TYPE}' THEN o.envelope ELSE jsonb_build_array(o.envelope) END)
          AS e(envelope)) AS outbox_events`;
}

/**
 * outboxEvents() for a producer that writes compact rows: the tenant's
 * outbox as the events the relay publishes (packed rows unpacked, compact
 * rows expanded by `expanders`, trace context left out), in publishing
 * order. Read in Node, since only the producer's expander knows a compact
 * row's events; for diagnosis and tests.
 */
export async function outboxEnvelopes(
  db: { query(sql: string, params: unknown[]): Promise<unknown> },
  tenantId: string,
  expanders: Readonly<Record<string, OutboxExpander>> = {},
): Promise<EventEnvelope[]> {
  const rows = (await db.query(`SELECT id, type, envelope FROM outbox WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])) as {
    id: string;
    type: string;
    envelope: unknown;
  }[];
  return rows.flatMap((row) => {
    const expand = expanders[row.type];
    const stored = expand
      ? expand(row)
      : row.type === PACKED_OUTBOX_TYPE
        ? (row.envelope as EventEnvelope[])
        : [row.envelope as EventEnvelope];
    return stored.map((e) => publishedEnvelope(e).envelope);
  });
}

/** outboxEvents() of the connection's own `outbox`. */
export const OUTBOX_EVENTS = outboxEvents();

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
