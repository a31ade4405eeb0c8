import { ORDER_RECORDED, SYSTEM_ACTOR, type OrderRecordedV1, type OrderStatusV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { moneyView } from '@rapport/money';

/** The columns an order UPDATE … RETURNING gives back for ORDER_MATCHED_RETURNING. */
export interface MatchedOrderRow {
  id: string;
  source: string;
  external_order_id: string;
  contact_id: string | null;
  occurred_at: Date;
  amount: string;
  currency: string;
  status: OrderStatusV1;
  channel: string | null;
}

/** Add to `UPDATE orders o … RETURNING` to build the events below. */
export const ORDER_MATCHED_RETURNING = `o.id, o.source, o.external_order_id, o.contact_id, o.occurred_at, o.amount::text AS amount, o.currency, o.status, o.channel`;

/**
 * An order stored before its customer was known now counts for a contact
 * (the contact's snapshot arrived later): that is a change of the stored
 * order, announced as analytics.order.recorded (UPDATED) with the contact,
 * so marketing's attribution and "last order" see it too.
 */
export function orderMatchedEvents(tenantId: string, rows: readonly MatchedOrderRow[]): OrderRecordedV1[] {
  return rows.map((row) =>
    newEvent({
      type: ORDER_RECORDED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: row.id,
      data: {
        orderId: row.id,
        source: row.source,
        externalOrderId: row.external_order_id,
        contactId: row.contact_id,
        occurredAt: new Date(row.occurred_at).toISOString(),
        amount: moneyView(row.amount, row.currency).amount,
        currency: row.currency,
        status: row.status,
        channel: row.channel,
        change: 'UPDATED',
      },
    }),
  );
}
