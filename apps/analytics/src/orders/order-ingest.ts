import { Injectable } from '@nestjs/common';
import type { EventActor } from '@rapport/contracts';
import { currentMessageContext } from '@rapport/messaging';
import { copyRows, type CopyCell } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { lockCustomerMatching } from '../tenant-locks';
import { customerKey, resolveCustomers } from './customer-resolution';
import { batchField, planBatch, type FieldAt, type IngestResult } from './order-batch';
import type { OrderInput, ValidOrder } from './order-input';
import { recordedOrdersSql } from './recorded-orders-outbox';

/** The batch's validated rows, COPYed in (see copyRows); dropped after the upsert, and at commit in any case. */
const STAGING = 'order_ingest_rows';
const STAGING_COLUMNS = [
  'n',
  'id',
  'source',
  'external_order_id',
  'contact_id',
  'customer_contact_id',
  'customer_source',
  'customer_key',
  'occurred_at',
  'amount',
  'currency',
  'channel',
  'status',
  'lines',
] as const;
const CREATE_STAGING = `
  CREATE TEMPORARY TABLE ${STAGING} (n int, id uuid, source text, external_order_id text, contact_id uuid, customer_contact_id uuid,
    customer_source text, customer_key text, occurred_at timestamptz, amount numeric, currency text, channel text,
    status text, lines jsonb) ON COMMIT DROP`;

/**
 * Inserts new orders and replaces changed ones in one statement, from the
 * staging table, and records every order it wrote as an
 * `analytics.order.recorded` event in the same statement: compact outbox
 * rows (RECORDED_ORDERS_OUTBOX_TYPE, ADR 075) that the relay expands, in
 * the batch's order (`n`). The comparison covers what the sender said
 * (customer as given, time, money, status, lines); a re-sent order that
 * says the same is UNCHANGED, not touched and not announced. `xmax = 0` is
 * true only for a row this statement inserted — the standard Postgres way
 * to tell an upsert's insert from its update. Parameters: $1 tenant, $2 the
 * events' instant (ISO), $3 actor (jsonb), $4 the writer's trace context
 * (jsonb or null).
 */
const UPSERT_AND_RECORD_ORDERS = `
  WITH written AS (
    INSERT INTO orders AS o (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, customer_source,
                             customer_key, occurred_at, amount, currency, channel, status, lines)
    SELECT r.id, $1, r.source, r.external_order_id, r.contact_id, r.customer_contact_id, r.customer_source,
           r.customer_key, r.occurred_at, r.amount, r.currency, r.channel, r.status, r.lines
      FROM ${STAGING} r
    ON CONFLICT (tenant_id, source, external_order_id) DO UPDATE SET
      contact_id = EXCLUDED.contact_id, customer_contact_id = EXCLUDED.customer_contact_id,
      customer_source = EXCLUDED.customer_source, customer_key = EXCLUDED.customer_key,
      occurred_at = EXCLUDED.occurred_at, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
      channel = EXCLUDED.channel, status = EXCLUDED.status, lines = EXCLUDED.lines, updated_at = now()
    WHERE (o.customer_contact_id, o.customer_source, o.customer_key, o.occurred_at, o.amount, o.currency, o.channel, o.status, o.lines)
          IS DISTINCT FROM
          (EXCLUDED.customer_contact_id, EXCLUDED.customer_source, EXCLUDED.customer_key, EXCLUDED.occurred_at,
           EXCLUDED.amount, EXCLUDED.currency, EXCLUDED.channel, EXCLUDED.status, EXCLUDED.lines)
    RETURNING o.id, o.source, o.external_order_id, o.contact_id, o.occurred_at, o.amount, o.currency, o.status, o.channel,
              o.guest, (o.xmax = 0) AS inserted
  ),
  numbered AS MATERIALIZED (
    SELECT w.*, row_number() OVER (ORDER BY r.n) - 1 AS i
      FROM written w
      JOIN ${STAGING} r ON r.source = w.source AND r.external_order_id = w.external_order_id
  ),
  recorded AS (
    ${recordedOrdersSql({ from: 'numbered', at: 2, actor: 3, trace: 4 })}
  )
  SELECT id, source, external_order_id, contact_id, inserted FROM numbered`;

/** Orders the upsert left alone (unchanged): their ids and current contact, for the results. */
const EXISTING_ORDERS = `
  SELECT o.id, o.source, o.external_order_id, o.contact_id
    FROM unnest($2::text[], $3::text[]) AS k(source, external_order_id)
    JOIN orders o ON o.tenant_id = $1 AND o.source = k.source AND o.external_order_id = k.external_order_id`;

interface StoredRow {
  id: string;
  source: string;
  external_order_id: string;
  contact_id: string | null;
  inserted?: boolean;
}

export interface IngestOptions {
  /** Where each order sits in the request, for error fields (default `orders[i]`). */
  fieldAt?: FieldAt;
  /** Who recorded the orders, for the `analytics.order.recorded` events. */
  actor: EventActor;
}

/**
 * The one ingest path for GraphQL batches (and so the CSV import) and
 * `commerce.order.placed` events: validate each order, resolve customers in
 * bulk, upsert set-based, and announce every created or changed order
 * (`analytics.order.recorded`, with the resolved contact) through the outbox
 * in the upsert's own statement (compact rows, ADR 075). Runs in the caller's tenant transaction (the
 * event path shares it with the inbox), so orders and their events commit
 * together. The caller wakes the outbox relay after its commit.
 */
@Injectable()
export class OrderIngest {
  async ingest(em: EntityManager, tenantId: string, inputs: readonly OrderInput[], options: IngestOptions): Promise<IngestResult[]> {
    const fieldAt = options.fieldAt ?? batchField('orders');
    const { valid, rejected } = planBatch(fieldAt, inputs);
    const results: IngestResult[] = [...rejected];
    if (valid.length > 0) {
      await lockCustomerMatching(em, tenantId, 'shared');
      const contacts = await resolveCustomers(
        em,
        tenantId,
        valid.map((v) => v.order.customer),
      );
      await em.query(CREATE_STAGING);
      await copyRows(
        em,
        STAGING,
        STAGING_COLUMNS,
        valid.map(({ order }, n) => toRow(n, order, contacts.get(customerKey(order.customer)) ?? null)),
      );
      const written: StoredRow[] = await em.query(UPSERT_AND_RECORD_ORDERS, [
        tenantId,
        eventInstant(em).toISOString(),
        JSON.stringify(options.actor),
        traceJson(),
      ]);
      // A stream batch ingests round after round in one transaction; each round stages afresh.
      await em.query(`DROP TABLE ${STAGING}`);
      const byKey = new Map(written.map((w) => [rowKey(w.source, w.external_order_id), w]));
      const untouched = valid.filter(({ order }) => !byKey.has(rowKey(order.source, order.externalOrderId)));
      if (untouched.length > 0) {
        const existing: StoredRow[] = await em.query(EXISTING_ORDERS, [
          tenantId,
          untouched.map((u) => u.order.source),
          untouched.map((u) => u.order.externalOrderId),
        ]);
        for (const e of existing) byKey.set(rowKey(e.source, e.external_order_id), e);
      }
      for (const { index, order } of valid) {
        const row = byKey.get(rowKey(order.source, order.externalOrderId));
        if (!row) throw new Error(`order ${order.source}/${order.externalOrderId} neither written nor found`);
        results.push({
          index,
          source: order.source,
          externalOrderId: order.externalOrderId,
          outcome: row.inserted === undefined ? 'UNCHANGED' : row.inserted ? 'CREATED' : 'UPDATED',
          orderId: row.id,
          contactId: row.contact_id,
          guest: 'guest' in order.customer,
          error: null,
        });
      }
    }
    return results.sort((a, b) => a.index - b.index);
  }
}

/** The instant of the last events each transaction recorded (a transaction is one EntityManager). */
const lastInstant = new WeakMap<EntityManager, number>();

/**
 * Now, but later than the events this transaction recorded before: a
 * stream batch ingests round after round in one transaction (an order, then
 * its cancellation), and the rounds' outbox rows are published in the
 * order of their instants.
 */
function eventInstant(em: EntityManager): Date {
  const at = Math.max(Date.now(), (lastInstant.get(em) ?? 0) + 1);
  lastInstant.set(em, at);
  return new Date(at);
}

/** The writer's trace context for the events (jsonb), or null outside a traced call. */
function traceJson(): string | null {
  const trace = currentMessageContext();
  return trace ? JSON.stringify(trace) : null;
}

function rowKey(source: string, externalOrderId: string): string {
  return `${source}\u0000${externalOrderId}`;
}

/** The staging row of an order, in STAGING_COLUMNS order. */
function toRow(n: number, order: ValidOrder, contactId: string | null): CopyCell[] {
  const c = order.customer;
  return [
    n,
    uuidv7(),
    order.source,
    order.externalOrderId,
    contactId,
    'contactId' in c ? c.contactId : null,
    'source' in c ? c.source : null,
    'source' in c ? c.key : null,
    order.occurredAt.toISOString(),
    order.amount,
    order.currency,
    order.channel,
    order.status,
    JSON.stringify(order.lines),
  ];
}
