import { moneyView } from '@rapport/money';
import { Injectable } from '@nestjs/common';
import { ORDER_RECORDED, type EventActor, type OrderRecordedDataV1, type OrderRecordedV1 } from '@rapport/contracts';
import { appendPackedToOutbox, newEvent } from '@rapport/messaging';
import { copyRows, type CopyCell } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { lockCustomerMatching } from '../tenant-locks';
import { customerKey, resolveCustomers } from './customer-resolution';
import { batchField, planBatch, type FieldAt, type IngestResult } from './order-batch';
import type { OrderInput, ValidOrder } from './order-input';

/** The batch's validated rows, COPYed in (see copyRows); dropped after the upsert, and at commit in any case. */
const STAGING = 'order_ingest_rows';
const STAGING_COLUMNS = [
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
  CREATE TEMPORARY TABLE ${STAGING} (id uuid, source text, external_order_id text, contact_id uuid, customer_contact_id uuid,
    customer_source text, customer_key text, occurred_at timestamptz, amount numeric, currency text, channel text,
    status text, lines jsonb) ON COMMIT DROP`;

/**
 * Inserts new orders and replaces changed ones in one statement, from the
 * staging table. The comparison covers what the sender said (customer as
 * given, time, money, status, lines); a re-sent order that says the same is
 * UNCHANGED and not touched. `xmax = 0` is true only for a row this
 * statement inserted — the standard Postgres way to tell an upsert's insert
 * from its update.
 */
const UPSERT_ORDERS = `
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
  RETURNING o.id, o.source, o.external_order_id, o.contact_id, (o.xmax = 0) AS inserted`;

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
 * in one multi-row insert. Runs in the caller's tenant transaction (the
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
        valid.map(({ order }) => toRow(order, contacts.get(customerKey(order.customer)) ?? null)),
      );
      const written: StoredRow[] = await em.query(UPSERT_ORDERS, [tenantId]);
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
      const events: OrderRecordedV1[] = [];
      for (const { index, order } of valid) {
        const row = byKey.get(rowKey(order.source, order.externalOrderId));
        if (!row) throw new Error(`order ${order.source}/${order.externalOrderId} neither written nor found`);
        if (row.inserted !== undefined) events.push(orderRecorded(tenantId, options.actor, order, row));
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
      // Packed rows (ADR 046): a bulk batch announces up to thousands of orders; the relay sends one message per event.
      await appendPackedToOutbox(em, events);
    }
    return results.sort((a, b) => a.index - b.index);
  }
}

/** The event for one stored change: what the sender said (validated) plus analytics' id and resolved contact. */
function orderRecorded(tenantId: string, actor: EventActor, order: ValidOrder, row: StoredRow): OrderRecordedV1 {
  const data: OrderRecordedDataV1 = {
    orderId: row.id,
    source: order.source,
    externalOrderId: order.externalOrderId,
    contactId: row.contact_id,
    occurredAt: order.occurredAt.toISOString(),
    amount: moneyView(order.amount, order.currency).amount,
    currency: order.currency,
    status: order.status,
    channel: order.channel,
    change: row.inserted ? 'CREATED' : 'UPDATED',
    guest: 'guest' in order.customer,
  };
  return newEvent({ type: ORDER_RECORDED, tenantId, actor, subjectId: row.id, data });
}

function rowKey(source: string, externalOrderId: string): string {
  return `${source}\u0000${externalOrderId}`;
}

/** The staging row of an order, in STAGING_COLUMNS order. */
function toRow(order: ValidOrder, contactId: string | null): CopyCell[] {
  const c = order.customer;
  return [
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
