import type { EventEnvelope } from '../envelope';
import type { OrderStatusV1 } from '../commerce/order.events';

/**
 * Analytics stored an order, or a changed version of one (subjectId = the
 * order id). Published once per stored change, after the customer was
 * resolved through the customer master, so consumers (marketing's
 * attribution, its "last order" attribute) never resolve external ids
 * themselves. Re-sending an identical order publishes nothing.
 */
export interface OrderRecordedDataV1 {
  /** Analytics' id of the order (stable across updates). */
  orderId: string;
  source: string;
  externalOrderId: string;
  /** The customer it counts for (the survivor, after merges); null when it could not be resolved. */
  contactId: string | null;
  /** ISO-8601 UTC. */
  occurredAt: string;
  /** Exact decimal string in `currency`; negative for refunds. */
  amount: string;
  currency: string;
  status: OrderStatusV1;
  channel: string | null;
  /** CREATED for a new order, UPDATED when a re-sent order changed it. */
  change: 'CREATED' | 'UPDATED';
  /**
   * Added later (absent from older events): true for a guest order, which
   * names no customer and never will count for one; false (or absent) when
   * a customer was given, even if not matched yet.
   */
  guest?: boolean;
}

export const ORDER_RECORDED = 'analytics.order.recorded' as const;
export type OrderRecordedV1 = EventEnvelope<typeof ORDER_RECORDED, OrderRecordedDataV1>;
