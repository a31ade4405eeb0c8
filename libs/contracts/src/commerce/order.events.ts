import type { EventEnvelope } from '../envelope';

/**
 * The partner contract for orders: shops, ERPs and billing systems publish
 * `commerce.order.placed` (stream COMMERCE, subjects `commerce.>`) in the
 * standard envelope, with `tenantId` naming the Rapport tenant and
 * `subjectId` the external order id. Sending the same (source,
 * externalOrderId) again replaces the order — that is how a later
 * cancellation or a corrected amount arrives. Analytics ingests these exactly
 * like GraphQL `recordOrders`.
 */
export type OrderStatusV1 = 'PLACED' | 'CANCELLED' | 'REFUNDED';

export interface OrderLineV1 {
  sku: string;
  /** Decimal as a string, e.g. "2" or "1.5". */
  quantity: string;
  /** Decimal as a string, in the order's currency. */
  unitPrice: string;
}

export interface OrderV1 {
  /** The system the order comes from, e.g. "shopify"; with externalOrderId the idempotency key. */
  source: string;
  externalOrderId: string;
  /** The customer: a Rapport contact id, or … */
  contactId?: string | null;
  /** … the customer's id in another system, as recorded on the sales contact. */
  externalCustomer?: { source: string; key: string } | null;
  /** ISO-8601 with time zone. */
  occurredAt: string;
  /** Exact decimal as a string; refunds are negative (status REFUNDED). */
  amount: string;
  /** ISO 4217 code. */
  currency: string;
  channel?: string | null;
  /** Defaults to PLACED. */
  status?: OrderStatusV1;
  lines?: OrderLineV1[] | null;
}

export const ORDER_PLACED = 'commerce.order.placed' as const;
export type OrderPlacedV1 = EventEnvelope<typeof ORDER_PLACED, { order: OrderV1 }>;

/**
 * A shop saw a customer leave a filled cart (partner contract, stream
 * COMMERCE; subjectId = the cart id). Marketing journeys react to it, e.g.
 * "wait 2 h, remind unless an order arrived".
 */
export interface CartAbandonedV1Data {
  source: string;
  cartId: string;
  contactId?: string | null;
  externalCustomer?: { source: string; key: string } | null;
  /** ISO-8601 with time zone. */
  abandonedAt: string;
  /** Exact decimal string. */
  value?: string | null;
  currency?: string | null;
  lines?: OrderLineV1[] | null;
}

export const CART_ABANDONED = 'commerce.cart.abandoned' as const;
export type CartAbandonedV1 = EventEnvelope<typeof CART_ABANDONED, CartAbandonedV1Data>;
