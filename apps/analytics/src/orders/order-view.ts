import { moneyView, type Money } from '@rapport/money';
import type { KeysetPage } from '@rapport/persistence';
import type { IngestResult } from './order-batch';
import type { OrderEntity, OrderStatus } from './order.entity';

/** A reference the gateway resolves to the sales-owned Contact. */
export type ContactRef = { __typename: 'Contact'; id: string } | null;

const contactRef = (id: string | null): ContactRef => (id ? { __typename: 'Contact', id } : null);

export interface OrderView {
  id: string;
  source: string;
  externalOrderId: string;
  contact: ContactRef;
  customerContactId: string | null;
  externalCustomer: { source: string; key: string } | null;
  guest: boolean;
  occurredAt: Date;
  amount: Money;
  currency: string;
  channel: string | null;
  status: OrderStatus;
  lines: { sku: string; quantity: string; unitPrice: Money }[];
  recordedAt: Date;
  updatedAt: Date;
}

export function orderView(o: OrderEntity): OrderView {
  return {
    id: o.id,
    source: o.source,
    externalOrderId: o.externalOrderId,
    contact: contactRef(o.contactId),
    customerContactId: o.customerContactId,
    externalCustomer: o.customerSource && o.customerKey ? { source: o.customerSource, key: o.customerKey } : null,
    guest: o.guest,
    occurredAt: o.occurredAt,
    amount: moneyView(o.amount, o.currency),
    currency: o.currency,
    channel: o.channel,
    status: o.status,
    lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: moneyView(l.unitPrice, o.currency) })),
    recordedAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export function recordResultView(r: IngestResult) {
  return { ...r, contact: contactRef(r.contactId) };
}

/** A keyset page of orders as the API shows it. */
export function orderConnection(page: KeysetPage<OrderEntity>) {
  return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: orderView(e.node) })) };
}
