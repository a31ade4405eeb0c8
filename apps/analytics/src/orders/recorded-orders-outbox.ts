import { ORDER_RECORDED, type EventActor, type EventEnvelope, type OrderRecordedDataV1, type OrderStatusV1 } from '@rapport/contracts';
import { derivedEventId, OUTBOX_PACK, STORED_TRACE_KEY, type OutboxExpander } from '@rapport/messaging';
import { moneyView } from '@rapport/money';
import { compactOutboxRowsSql } from '../messaging/compact-outbox-sql';

/** The outbox row type of an ingest's created and changed orders (recordedOrdersSql; expandRecordedOrders). */
export const RECORDED_ORDERS_OUTBOX_TYPE = 'analytics.order.recorded-orders';

/** Orders per compact row: one event each, so a row expands to at most a pack's worth (OUTBOX_PACK). */
export const RECORDED_ORDERS_PER_ROW = OUTBOX_PACK;

/** One stored order in a compact row, in recordedOrdersSql's order. */
export type RecordedOrderFields = [
  orderId: string,
  source: string,
  externalOrderId: string,
  contactId: string | null,
  /** Milliseconds since the epoch (orders are validated to the millisecond). */
  occurredAtMs: number,
  /** The stored numeric as text; the event shows it at the currency's minor units. */
  amount: string,
  currency: string,
  status: OrderStatusV1,
  channel: string | null,
  created: boolean,
  guest: boolean,
];

/** A compact row's envelope column: the ingest's common envelope fields once, then its orders. */
export interface RecordedOrdersRecord {
  tenantId: string;
  occurredAt: string;
  actor: EventActor;
  trace: Record<string, string> | null;
  orders: RecordedOrderFields[];
}

/**
 * The CTE body that records `from`'s orders (aliased `c`, numbered from 0 in
 * `c.i` in the order their events go out; columns id, source,
 * external_order_id, contact_id, occurred_at, amount, currency, status,
 * channel, inserted, guest) as compact rows of RECORDED_ORDERS_OUTBOX_TYPE
 * for tenant $1, occurring at `$<at>` (ISO text), by actor `$<actor>`
 * (jsonb) with trace context `$<trace>` (jsonb or null).
 */
export function recordedOrdersSql(p: { from: string; at: number; actor: number; trace: number }): string {
  return compactOutboxRowsSql({
    at: `$${p.at}::text::timestamptz`,
    type: RECORDED_ORDERS_OUTBOX_TYPE,
    envelope: `json_build_object('tenantId', $1::uuid, 'occurredAt', $${p.at}::text, 'actor', $${p.actor}::jsonb, 'trace', $${p.trace}::jsonb,
      'orders', json_agg(json_build_array(
        c.id, c.source, c.external_order_id, c.contact_id, (extract(epoch FROM c.occurred_at) * 1000)::bigint,
        c.amount::text, c.currency, c.status, c.channel, c.inserted, c.guest) ORDER BY c.i))::jsonb`,
    from: p.from,
    perRow: RECORDED_ORDERS_PER_ROW,
  });
}

/** The data of an order's `analytics.order.recorded`: what the sender said (validated) plus analytics' id and resolved contact. */
export function orderRecordedData([
  orderId,
  source,
  externalOrderId,
  contactId,
  occurredAtMs,
  amount,
  currency,
  status,
  channel,
  created,
  guest,
]: RecordedOrderFields): OrderRecordedDataV1 {
  return {
    orderId,
    source,
    externalOrderId,
    contactId,
    occurredAt: new Date(occurredAtMs).toISOString(),
    amount: moneyView(amount, currency).amount,
    currency,
    status,
    channel,
    change: created ? 'CREATED' : 'UPDATED',
    guest,
  };
}

/**
 * The analytics.order.recorded events a compact row stands for (ADR 075),
 * one per order in the row's order, with the fields OrderIngest's events
 * had when it built them in Node; ids derived from the row's
 * (derivedEventId), instant, actor and trace context the row's: the same
 * row always gives the same envelopes.
 */
export const expandRecordedOrders: OutboxExpander = ({ id, envelope }) => {
  const record = envelope as RecordedOrdersRecord;
  // Rebuilt in the envelope's own key order (jsonb stored it sorted), so the published bytes are those of before.
  const actor: EventActor = { kind: record.actor.kind, id: record.actor.id };
  return record.orders.map((order, i): EventEnvelope => ({
    id: derivedEventId(id, i),
    type: ORDER_RECORDED,
    version: 1,
    tenantId: record.tenantId,
    occurredAt: record.occurredAt,
    actor,
    subjectId: order[0],
    data: orderRecordedData(order),
    ...(record.trace ? { [STORED_TRACE_KEY]: record.trace } : {}),
  }));
};
