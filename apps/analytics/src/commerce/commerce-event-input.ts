import { badUserInput } from '@rapport/auth';
import { CART_ABANDONED, CART_UPDATED, PAGE_VIEWED, PRODUCT_VIEWED, type CartLineV1, type CommerceCustomerV1 } from '@rapport/contracts';
import { moneyView, parseMoney } from '@rapport/money';
import { validate } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { OrderRejection } from '../orders/order-batch';
import {
  money,
  validateCustomer,
  validateInstant,
  validateLines,
  validateOrder,
  type OrderInput,
  type OrderLineInput,
} from '../orders/order-input';
import type { OrderStatus } from '../orders/order.entity';

/** The event types `recordCommerceEvents` takes, as the caller names them. */
export const COMMERCE_EVENT_TYPES = ['cart.abandoned', 'cart.updated', 'order.placed', 'page.viewed', 'product.viewed'] as const;
export type CommerceEventType = (typeof COMMERCE_EVENT_TYPES)[number];

/** Which detail object each type carries; the others must be absent. */
const DETAIL_OF: Record<CommerceEventType, Detail> = {
  'cart.abandoned': 'cart',
  'cart.updated': 'cart',
  'order.placed': 'order',
  'page.viewed': 'page',
  'product.viewed': 'product',
};
type Detail = 'cart' | 'order' | 'page' | 'product';
const DETAILS: readonly Detail[] = ['cart', 'order', 'page', 'product'];

/** The bus type each interaction is published as (orders go through the order ingest instead). */
const BUS_TYPE = {
  'cart.abandoned': CART_ABANDONED,
  'cart.updated': CART_UPDATED,
  'page.viewed': PAGE_VIEWED,
  'product.viewed': PRODUCT_VIEWED,
} as const;

export interface CartLineInput extends OrderLineInput {
  name?: string | null;
}

export interface CommerceEventInput {
  eventId: string;
  type: string;
  source: string;
  /** A Date from the DateTime scalar. */
  occurredAt: Date | string;
  contactId?: string | null;
  externalCustomer?: { source: string; key: string } | null;
  cart?: { cartId: string; value?: string | null; currency?: string | null; lines?: CartLineInput[] | null } | null;
  order?: {
    externalOrderId: string;
    amount: string;
    currency: string;
    channel?: string | null;
    status?: OrderStatus | null;
    lines?: OrderLineInput[] | null;
  } | null;
  page?: { url: string; title?: string | null; referrer?: string | null } | null;
  product?: { sku: string; name?: string | null; url?: string | null; price?: string | null; currency?: string | null } | null;
}

/** An order event, ready for the order ingest (which validates it once more, cheaply, as for recordOrders). */
export interface ValidOrderEvent {
  kind: 'order';
  index: number;
  eventId: string;
  source: string;
  type: 'order.placed';
  order: OrderInput;
}

/** Any other event, ready to publish on COMMERCE. */
export interface ValidInteractionEvent {
  kind: 'interaction';
  index: number;
  eventId: string;
  source: string;
  type: Exclude<CommerceEventType, 'order.placed'>;
  busType: (typeof BUS_TYPE)[keyof typeof BUS_TYPE];
  subjectId: string;
  occurredAt: Date;
  data: CommerceCustomerV1 & Record<string, unknown>;
}

export type ValidCommerceEvent = ValidOrderEvent | ValidInteractionEvent;

export type CommerceEventStatus = 'RECORDED' | 'DUPLICATE' | 'REJECTED';

/** What happened to one event of a batch, in input order. */
export interface CommerceEventResult {
  index: number;
  eventId: string | null;
  type: string | null;
  status: CommerceEventStatus;
  /** The order an order.placed event recorded. */
  orderId: string | null;
  /** The contact an order counts for (null while unmatched, and for other events). */
  contactId: string | null;
  error: OrderRejection | null;
}

const MAX_URL = 2000;

/**
 * Validates one event; throws BAD_USER_INPUT naming the field
 * (`input.events[2].cart.lines[0].quantity`). The customer, source and time
 * are checked by the same rules as an order's, so an order.placed event
 * and a recordOrders row are judged alike.
 */
export function validateCommerceEvent(at: string, index: number, input: CommerceEventInput, now: Date = new Date()): ValidCommerceEvent {
  const eventId = validate.requiredText(`${at}.eventId`, input.eventId, 200);
  const type = input.type as CommerceEventType;
  if (!COMMERCE_EVENT_TYPES.includes(type)) throw badUserInput(`${at}.type`, `must be one of ${COMMERCE_EVENT_TYPES.join(', ')}`);
  const source = validate.requiredText(`${at}.source`, input.source, 50).toLowerCase();
  const customer = validateCustomer(at, input);
  // Only an order may come from a guest: a cart or a view is worth recording for a customer someone can reach.
  if ('guest' in customer && type !== 'order.placed') {
    throw badUserInput(`${at}.contactId`, `give contactId or externalCustomer: a ${type} event is about a known customer`);
  }
  const occurredAt = validateInstant(`${at}.occurredAt`, input.occurredAt, now);
  const detail = DETAIL_OF[type];
  if (input[detail] == null) throw badUserInput(`${at}.${detail}`, `is required for a ${type} event`);
  for (const other of DETAILS) {
    if (other !== detail && input[other] != null) throw badUserInput(`${at}.${other}`, `does not belong to a ${type} event`);
  }
  const who: CommerceCustomerV1 = {
    source,
    eventId,
    contactId: 'contactId' in customer ? customer.contactId : null,
    externalCustomer: 'source' in customer ? customer : null,
  };
  const base = { index, eventId, source };

  if (type === 'order.placed') {
    const o = input.order as NonNullable<CommerceEventInput['order']>;
    const order: OrderInput = { ...o, source, contactId: who.contactId, externalCustomer: who.externalCustomer, occurredAt };
    validateOrder(`${at}.order`, order, now);
    return { ...base, kind: 'order', type, order };
  }
  const interaction = { ...base, kind: 'interaction' as const, type, busType: BUS_TYPE[type], occurredAt };
  if (type === 'cart.abandoned' || type === 'cart.updated') {
    const cart = validateCart(`${at}.cart`, input.cart as NonNullable<CommerceEventInput['cart']>);
    const when = occurredAt.toISOString();
    const data = type === 'cart.abandoned' ? { ...who, ...cart, abandonedAt: when } : { ...who, ...cart, updatedAt: when };
    return { ...interaction, subjectId: cart.cartId, data };
  }
  if (type === 'page.viewed') {
    const page = input.page as NonNullable<CommerceEventInput['page']>;
    const url = requiredUrl(`${at}.page.url`, page.url);
    const data = {
      ...who,
      url,
      title: validate.text(`${at}.page.title`, page.title, { max: 500 }),
      referrer: optionalUrl(`${at}.page.referrer`, page.referrer),
      viewedAt: occurredAt.toISOString(),
    };
    return { ...interaction, subjectId: url, data };
  }
  const product = input.product as NonNullable<CommerceEventInput['product']>;
  const sku = validate.requiredText(`${at}.product.sku`, product.sku, 100);
  const priced = validatePrice(`${at}.product`, product.price, product.currency, 'price');
  const data = {
    ...who,
    sku,
    name: validate.text(`${at}.product.name`, product.name, { max: 500 }),
    url: optionalUrl(`${at}.product.url`, product.url),
    price: priced.amount,
    currency: priced.currency,
    viewedAt: occurredAt.toISOString(),
  };
  return { ...interaction, subjectId: sku, data };
}

/** A cart: its id, optional value, and lines checked like an order's (plus a display name). */
function validateCart(field: string, cart: NonNullable<CommerceEventInput['cart']>) {
  const cartId = validate.requiredText(`${field}.cartId`, cart.cartId, 200);
  const hasLines = (cart.lines ?? []).length > 0;
  const priced = validatePrice(field, cart.value, cart.currency, 'value', hasLines);
  const lines: CartLineV1[] = priced.currency
    ? validateLines(`${field}.lines`, cart.lines, priced.currency).map((line, i) => ({
        ...line,
        unitPrice: moneyView(line.unitPrice, priced.currency as string).amount,
        name: validate.text(`${field}.lines[${i}].name`, cart.lines?.[i]?.name, { max: 500 }),
      }))
    : [];
  return { cartId, value: priced.amount, currency: priced.currency, lines };
}

/** An optional non-negative amount and its currency; the currency is required with an amount (or lines). */
function validatePrice(
  field: string,
  amount: string | null | undefined,
  currencyInput: string | null | undefined,
  amountName: string,
  needCurrency = false,
): { amount: string | null; currency: string | null } {
  if (amount == null && currencyInput == null && !needCurrency) return { amount: null, currency: null };
  const currency = money(`${field}.currency`, () => parseMoney('0', currencyInput ?? '').currency);
  if (amount == null) return { amount: null, currency };
  const parsed = money(`${field}.${amountName}`, () => parseMoney(amount, currency).amount);
  if (parsed.startsWith('-')) throw badUserInput(`${field}.${amountName}`, 'must not be negative');
  // Shown as money is shown ("80.00", not "80"): a reminder prints it as it comes.
  return { amount: moneyView(parsed, currency).amount, currency };
}

function requiredUrl(field: string, value: string): string {
  const url = validate.requiredText(field, value, MAX_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUserInput(field, 'must be an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badUserInput(field, 'must be an http or https URL');
  return url;
}

function optionalUrl(field: string, value: string | null | undefined): string | null {
  return validate.text(field, value, { max: MAX_URL }) === null ? null : requiredUrl(field, value as string);
}

export interface PlannedCommerceBatch {
  valid: ValidCommerceEvent[];
  rejected: CommerceEventResult[];
}

/**
 * Validates every event on its own, so one bad event never sinks the good
 * ones, and refuses a second occurrence of the same (source, eventId) in
 * one batch: which of the two is "the" event would be a guess.
 */
export function planCommerceBatch(list: string, inputs: readonly CommerceEventInput[], now: Date = new Date()): PlannedCommerceBatch {
  const valid: ValidCommerceEvent[] = [];
  const rejected: CommerceEventResult[] = [];
  const firstIndex = new Map<string, number>();
  inputs.forEach((input, index) => {
    const at = `${list}[${index}]`;
    try {
      const event = validateCommerceEvent(at, index, input, now);
      const key = receiptKey(event.source, event.eventId);
      const earlier = firstIndex.get(key);
      if (earlier !== undefined) {
        rejected.push(
          rejection(index, input, `${at}.eventId`, `${at}.eventId: the same event is already at ${list}[${earlier}] in this batch`),
        );
        return;
      }
      firstIndex.set(key, index);
      valid.push(event);
    } catch (err) {
      if (!(err instanceof GraphQLError) || err.extensions.code !== 'BAD_USER_INPUT') throw err;
      rejected.push(rejection(index, input, String(err.extensions.field ?? at), err.message));
    }
  });
  return { valid, rejected };
}

export function rejection(index: number, input: CommerceEventInput, field: string, message: string): CommerceEventResult {
  return {
    index,
    eventId: typeof input?.eventId === 'string' ? input.eventId : null,
    type: typeof input?.type === 'string' ? input.type : null,
    status: 'REJECTED',
    orderId: null,
    contactId: null,
    error: { code: 'BAD_USER_INPUT', field, message },
  };
}

/** Idempotency key of an event: the same (source, eventId) is the same event. */
export function receiptKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}
