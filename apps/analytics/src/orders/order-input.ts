import { badUserInput } from '@rapport/auth';
import { decimal, MoneyError, parseMoney } from '@rapport/money';
import { validate } from '@rapport/service-kit';
import type { OrderLine, OrderStatus } from './order.entity';

/** An order as GraphQL (`OrderInput`) or a `commerce.order.placed` event carries it. */
export interface OrderInput {
  source: string;
  externalOrderId: string;
  contactId?: string | null;
  externalCustomer?: { source: string; key: string } | null;
  /** A Date from the DateTime scalar, or an ISO string from an event. */
  occurredAt: Date | string;
  amount: string;
  currency: string;
  channel?: string | null;
  status?: OrderStatus | null;
  lines?: OrderLineInput[] | null;
}

export interface OrderLineInput {
  sku: string;
  quantity: string;
  unitPrice: string;
}

/** Who ordered: a contact, a customer id in another system, or nobody known (a guest checkout). */
export type OrderCustomer = { contactId: string } | { source: string; key: string } | { guest: true };

export interface ValidOrder {
  source: string;
  externalOrderId: string;
  customer: OrderCustomer;
  occurredAt: Date;
  amount: string;
  currency: string;
  channel: string | null;
  status: OrderStatus;
  lines: OrderLine[];
}

const STATUSES: readonly OrderStatus[] = ['PLACED', 'CANCELLED', 'REFUNDED'];
const QUANTITY = /^-?\d{1,9}(\.\d{1,4})?$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Clocks of partner systems drift; an order further in the future than this is a mistake. */
const MAX_CLOCK_SKEW_MS = 24 * 3600_000;
export const MAX_LINES = 500;

/**
 * Validates and normalises one order; throws BAD_USER_INPUT naming the field
 * (e.g. `orders[3].amount`). Sources are lower-cased as sales stores external
 * ids, so `{ source: "ERP" }` finds the contact whose id was saved as "erp".
 */
export function validateOrder(field: string, input: OrderInput, now: Date = new Date()): ValidOrder {
  const source = validate.requiredText(`${field}.source`, input.source, 50).toLowerCase();
  const externalOrderId = validate.requiredText(`${field}.externalOrderId`, input.externalOrderId, 200);
  const customer = validateCustomer(field, input);
  const occurredAt = validateInstant(`${field}.occurredAt`, input.occurredAt, now);
  const currency = money(`${field}.currency`, () => parseMoney('0', input.currency ?? '').currency);
  const amount = money(`${field}.amount`, () => parseMoney(input.amount ?? '', currency).amount);
  const status = input.status ?? 'PLACED';
  if (!STATUSES.includes(status)) throw badUserInput(`${field}.status`, `must be one of ${STATUSES.join(', ')}`);
  // A refund is its own record with a negative amount, so a purchase's value never silently shrinks.
  if (status === 'PLACED' && amount.startsWith('-')) {
    throw badUserInput(`${field}.amount`, 'a placed order cannot be negative; send refunds with status REFUNDED');
  }
  if (status === 'REFUNDED' && !amount.startsWith('-') && amount !== '0') {
    throw badUserInput(`${field}.amount`, 'a refund must be negative (money back to the customer)');
  }
  return {
    source,
    externalOrderId,
    customer,
    occurredAt,
    amount,
    currency,
    channel: validate.text(`${field}.channel`, input.channel, { max: 50 })?.toLowerCase() ?? null,
    status,
    lines: validateLines(`${field}.lines`, input.lines, currency),
  };
}

/**
 * At most one of contactId or externalCustomer, named at `field` (an order,
 * or a commerce event). Neither is a guest order: it counts in revenue but
 * for no customer. Both at once would leave the customer a guess.
 */
export function validateCustomer(field: string, input: Pick<OrderInput, 'contactId' | 'externalCustomer'>): OrderCustomer {
  const hasContact = input.contactId != null;
  const hasExternal = input.externalCustomer != null;
  if (hasContact && hasExternal) {
    throw badUserInput(`${field}.contactId`, 'give at most one of contactId or externalCustomer (neither for a guest order)');
  }
  if (!hasContact && !hasExternal) return { guest: true };
  if (hasContact) return { contactId: validate.requireUuid(`${field}.contactId`, input.contactId as string) };
  const ext = input.externalCustomer as { source: string; key: string };
  return {
    source: validate.requiredText(`${field}.externalCustomer.source`, ext.source, 50).toLowerCase(),
    key: validate.requiredText(`${field}.externalCustomer.key`, ext.key, 200),
  };
}

export function validateInstant(field: string, value: Date | string, now: Date): Date {
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string' && ISO_INSTANT.test(value)) date = new Date(value);
  else throw badUserInput(field, 'must be an ISO-8601 date-time with time zone');
  if (Number.isNaN(date.getTime())) throw badUserInput(field, 'is not a valid date');
  if (date.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) throw badUserInput(field, 'is in the future');
  return date;
}

export function validateLines(field: string, lines: OrderInput['lines'], currency: string): OrderLine[] {
  return validate.listOf(field, lines, MAX_LINES).map((line, i) => {
    const quantity = (line.quantity ?? '').trim();
    if (!QUANTITY.test(quantity))
      throw badUserInput(`${field}[${i}].quantity`, 'must be a decimal with at most 9 integer and 4 fraction digits');
    return {
      sku: validate.requiredText(`${field}[${i}].sku`, line.sku, 100),
      quantity: decimal(quantity).toFixed(),
      unitPrice: money(`${field}[${i}].unitPrice`, () => parseMoney(line.unitPrice ?? '', currency).amount),
    };
  });
}

/** libs/money says what is wrong; this says where. */
export function money<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof MoneyError) throw badUserInput(field, err.message);
    throw err;
  }
}

/** Key of an order's idempotency: the same (source, external id) is the same order. */
export function orderKey(order: { source: string; externalOrderId: string }): string {
  return `${order.source}\u0000${order.externalOrderId}`;
}

const STRING_FIELDS = ['source', 'externalOrderId', 'contactId', 'occurredAt', 'amount', 'currency', 'channel', 'status'] as const;

/**
 * Events are plain JSON from partner systems, not typed by a GraphQL schema:
 * checks the shape validateOrder relies on, so a malformed message is a
 * rejection naming the field rather than a crash (which would be redelivered).
 */
export function orderInputFromJson(field: string, raw: unknown): OrderInput {
  if (!isObject(raw)) throw badUserInput(field, 'must be an object');
  for (const key of STRING_FIELDS) {
    if (raw[key] != null && typeof raw[key] !== 'string') throw badUserInput(`${field}.${key}`, 'must be a string');
  }
  const ext = raw.externalCustomer;
  if (ext != null && (!isObject(ext) || typeof ext.source !== 'string' || typeof ext.key !== 'string')) {
    throw badUserInput(`${field}.externalCustomer`, 'must be { source: string, key: string }');
  }
  const lines = raw.lines;
  if (lines != null) {
    if (!Array.isArray(lines)) throw badUserInput(`${field}.lines`, 'must be a list');
    lines.forEach((line: unknown, i) => {
      if (!isObject(line) || !['sku', 'quantity', 'unitPrice'].every((k) => typeof line[k] === 'string')) {
        throw badUserInput(`${field}.lines[${i}]`, 'must be { sku, quantity, unitPrice } strings');
      }
    });
  }
  return raw as unknown as OrderInput;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
