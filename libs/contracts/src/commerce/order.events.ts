import type { EventEnvelope } from '../envelope';

/**
 * The partner contract for orders: shops, ERPs and billing systems publish
 * `commerce.order.placed` (stream COMMERCE, subjects `commerce.>`) in the
 * standard envelope, with `tenantId` naming the Rapport tenant and
 * `subjectId` the external order id. Sending the same (source,
 * externalOrderId) again replaces the order — that is how a later
 * cancellation or a corrected amount arrives. Analytics ingests these exactly
 * like GraphQL `recordOrders`. Shops without bus access use the API instead
 * (`recordCommerceEvents`): analytics then publishes carts and views below on
 * COMMERCE itself, and records orders directly (ADR 032).
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

/** A line of a cart: what an order line says, plus a name a reminder can show. */
export interface CartLineV1 extends OrderLineV1 {
  /** The product's name as the shop shows it. */
  name?: string | null;
}

/** What every customer interaction event carries besides its own data. */
export interface CommerceCustomerV1 {
  /** The system the event comes from, lower-case, e.g. "shop". */
  source: string;
  /** The customer: a Rapport contact id, or … */
  contactId?: string | null;
  /** … the customer's id in another system, as recorded on the sales contact. */
  externalCustomer?: { source: string; key: string } | null;
  /**
   * The sender's own id of the event (`recordCommerceEvents`: with source,
   * its idempotency key). Absent on events a partner published directly.
   */
  eventId?: string | null;
}

/**
 * A shop saw a customer leave a filled cart (partner contract, stream
 * COMMERCE; subjectId = the cart id). Marketing journeys react to it, e.g.
 * "wait 2 h, remind unless an order arrived"; the reminder can show `lines`.
 */
export interface CartAbandonedV1Data extends CommerceCustomerV1 {
  cartId: string;
  /** ISO-8601 with time zone. */
  abandonedAt: string;
  /** Exact decimal string. */
  value?: string | null;
  currency?: string | null;
  lines?: CartLineV1[] | null;
}

export const CART_ABANDONED = 'commerce.cart.abandoned' as const;
export type CartAbandonedV1 = EventEnvelope<typeof CART_ABANDONED, CartAbandonedV1Data>;

/** The cart's content changed (subjectId = the cart id); the lines are the whole cart now. */
export interface CartUpdatedV1Data extends CommerceCustomerV1 {
  cartId: string;
  /** ISO-8601 with time zone. */
  updatedAt: string;
  value?: string | null;
  currency?: string | null;
  lines?: CartLineV1[] | null;
}

export const CART_UPDATED = 'commerce.cart.updated' as const;
export type CartUpdatedV1 = EventEnvelope<typeof CART_UPDATED, CartUpdatedV1Data>;

/** The customer looked at a page of the shop or app (subjectId = the URL). */
export interface PageViewedV1Data extends CommerceCustomerV1 {
  url: string;
  title?: string | null;
  referrer?: string | null;
  /** ISO-8601 with time zone. */
  viewedAt: string;
}

export const PAGE_VIEWED = 'commerce.page.viewed' as const;
export type PageViewedV1 = EventEnvelope<typeof PAGE_VIEWED, PageViewedV1Data>;

/** The customer looked at a product (subjectId = the SKU). */
export interface ProductViewedV1Data extends CommerceCustomerV1 {
  sku: string;
  name?: string | null;
  url?: string | null;
  /** Exact decimal string, in `currency`. */
  price?: string | null;
  currency?: string | null;
  /** ISO-8601 with time zone. */
  viewedAt: string;
}

export const PRODUCT_VIEWED = 'commerce.product.viewed' as const;
export type ProductViewedV1 = EventEnvelope<typeof PRODUCT_VIEWED, ProductViewedV1Data>;

/** Customer interaction events on COMMERCE besides orders (which analytics turns into analytics.order.recorded). */
export const COMMERCE_INTERACTION_EVENTS = [CART_ABANDONED, CART_UPDATED, PAGE_VIEWED, PRODUCT_VIEWED] as const;
