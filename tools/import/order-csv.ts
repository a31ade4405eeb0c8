/**
 * CSV rows → `OrderInput` for `recordOrders` (bulk import).
 *
 * Columns (header names, case-insensitive, any order): source,
 * external_order_id, contact_id | customer_source + customer_key, occurred_at,
 * amount, currency, channel, status. Empty cells are "not given". The mapping
 * does not validate values: the server's recordOrders does, with the same
 * rules and idempotency as every other ingest path, and rejects a row naming
 * the field (e.g. both contact_id and an external customer given). Only what
 * the GraphQL types would refuse for the whole batch (status, occurred_at) is
 * checked here, so that it fails just its own row.
 */
import type { OrderStatus } from '@rapport/sdk';

export interface CsvOrderInput {
  source: string;
  externalOrderId: string;
  contactId?: string;
  externalCustomer?: { source: string; key: string };
  occurredAt: string;
  amount: string;
  currency: string;
  channel?: string;
  status?: OrderStatus;
}

export const ORDER_CSV_COLUMNS = [
  'source',
  'external_order_id',
  'contact_id',
  'customer_source',
  'customer_key',
  'occurred_at',
  'amount',
  'currency',
  'channel',
  'status',
] as const;
type Column = (typeof ORDER_CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['source', 'external_order_id', 'occurred_at', 'amount', 'currency'];

const STATUSES: readonly OrderStatus[] = ['PLACED', 'CANCELLED', 'REFUNDED'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A row that cannot even be sent (the GraphQL types would refuse the whole batch). */
export class OrderCsvError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(`${column}: ${message}`);
  }
}

export type OrderCsvColumns = Partial<Record<Column, number>>;

/** recordOrders' field paths (after `orders[i].`) → the CSV column a person fixes. */
const COLUMN_OF_FIELD: Record<string, Column> = {
  source: 'source',
  externalOrderId: 'external_order_id',
  contactId: 'contact_id',
  'externalCustomer.source': 'customer_source',
  'externalCustomer.key': 'customer_key',
  occurredAt: 'occurred_at',
  amount: 'amount',
  currency: 'currency',
  channel: 'channel',
  status: 'status',
};

/** The CSV column behind a field recordOrders refused (e.g. `input.orders[3].occurredAt` → occurred_at); null when none maps. */
export function csvColumnOf(field: string): Column | null {
  return COLUMN_OF_FIELD[field.replace(/^(input\.)?orders\[\d+\]\./, '')] ?? null;
}

/** Positions of the known columns in the header; throws when a required one is missing. */
export function orderCsvColumns(header: string[]): OrderCsvColumns {
  const columns: OrderCsvColumns = {};
  header.forEach((name, i) => {
    const key = name.trim().toLowerCase() as Column;
    if ((ORDER_CSV_COLUMNS as readonly string[]).includes(key) && columns[key] === undefined) columns[key] = i;
  });
  const missing = REQUIRED.filter((c) => columns[c] === undefined);
  const hasExternal = columns.customer_source !== undefined && columns.customer_key !== undefined;
  if (columns.contact_id === undefined && !hasExternal) missing.push('contact_id' as Column);
  if (missing.length > 0) {
    throw new Error(`CSV header lacks ${missing.join(', ')} (a customer is contact_id or customer_source + customer_key)`);
  }
  return columns;
}

/** One record as the order recordOrders receives. */
export function orderFromCsvRecord(columns: OrderCsvColumns, record: string[]): CsvOrderInput {
  const cell = (c: Column): string | undefined => {
    const i = columns[c];
    const value = i === undefined ? undefined : record[i]?.trim();
    return value ? value : undefined;
  };
  const order: CsvOrderInput = {
    source: cell('source') ?? '',
    externalOrderId: cell('external_order_id') ?? '',
    occurredAt: cell('occurred_at') ?? '',
    amount: cell('amount') ?? '',
    currency: (cell('currency') ?? '').toUpperCase(),
  };
  const contactId = cell('contact_id');
  if (contactId) order.contactId = contactId;
  const customerSource = cell('customer_source');
  const customerKey = cell('customer_key');
  if (customerSource || customerKey) order.externalCustomer = { source: customerSource ?? '', key: customerKey ?? '' };
  const channel = cell('channel');
  if (channel) order.channel = channel;
  const status = cell('status')?.toUpperCase();
  if (status) {
    if (!STATUSES.includes(status as OrderStatus)) throw new OrderCsvError('status', `must be one of ${STATUSES.join(', ')}`);
    order.status = status as OrderStatus;
  }
  // The DateTime scalar rejects a bad instant for the whole request; catch it here so only this row fails.
  if (!ISO_INSTANT.test(order.occurredAt) || Number.isNaN(new Date(order.occurredAt).getTime())) {
    throw new OrderCsvError('occurred_at', 'must be an ISO-8601 date-time with time zone');
  }
  return order;
}
