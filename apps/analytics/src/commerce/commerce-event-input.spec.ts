import { CART_ABANDONED, PAGE_VIEWED, PRODUCT_VIEWED } from '@rapport/contracts';
import { planCommerceBatch, type CommerceEventInput } from './commerce-event-input';

const now = new Date('2026-03-01T12:00:00Z');
const CONTACT = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

const cart = (eventId: string, extra: Partial<CommerceEventInput> = {}): CommerceEventInput => ({
  eventId,
  type: 'cart.abandoned',
  source: 'Shop',
  occurredAt: new Date('2026-03-01T10:00:00Z'),
  externalCustomer: { source: 'Shop', key: 'W-1' },
  cart: {
    cartId: 'cart-1',
    value: '80.00',
    currency: 'EUR',
    lines: [{ sku: 'TEA-1', name: 'Green tea', quantity: '2', unitPrice: '40.00' }],
  },
  ...extra,
});

const plan = (...events: CommerceEventInput[]) => planCommerceBatch('input.events', events, now);
const fieldsOf = (events: CommerceEventInput[]) => plan(...events).rejected.map((r) => [r.index, r.error?.field]);

describe('planCommerceBatch', () => {
  it('turns a cart.abandoned into the COMMERCE event marketing reads, with its lines', () => {
    const { valid, rejected } = plan(cart('e-1'));
    expect(rejected).toEqual([]);
    expect(valid[0]).toMatchObject({
      kind: 'interaction',
      busType: CART_ABANDONED,
      subjectId: 'cart-1',
      source: 'shop',
      data: {
        source: 'shop',
        eventId: 'e-1',
        contactId: null,
        externalCustomer: { source: 'shop', key: 'W-1' },
        cartId: 'cart-1',
        abandonedAt: '2026-03-01T10:00:00.000Z',
        value: '80.00',
        currency: 'EUR',
        lines: [{ sku: 'TEA-1', name: 'Green tea', quantity: '2', unitPrice: '40.00' }],
      },
    });
  });

  it('names the field of each problem, event by event, and keeps the good events', () => {
    const events = [
      cart('ok'),
      cart('bad-type', { type: 'cart.emptied' }),
      cart('no-customer', { externalCustomer: null }),
      cart('both', { contactId: CONTACT }),
      cart('bad-line', { cart: { cartId: 'c', currency: 'EUR', lines: [{ sku: 'X', quantity: 'two', unitPrice: '1' }] } }),
      cart('no-currency', { cart: { cartId: 'c', value: '5' } }),
      cart('future', { occurredAt: new Date('2026-03-05T00:00:00Z') }),
      cart('', {}),
      cart('wrong-detail', { type: 'page.viewed' }),
      cart('negative', { cart: { cartId: 'c', value: '-1', currency: 'EUR' } }),
    ];
    const { valid, rejected } = plan(...events);
    expect(valid.map((v) => v.index)).toEqual([0]);
    expect(rejected.map((r) => [r.index, r.error?.field])).toEqual([
      [1, 'input.events[1].type'],
      [2, 'input.events[2].contactId'],
      [3, 'input.events[3].contactId'],
      [4, 'input.events[4].cart.lines[0].quantity'],
      [5, 'input.events[5].cart.currency'],
      [6, 'input.events[6].occurredAt'],
      [7, 'input.events[7].eventId'],
      [8, 'input.events[8].page'],
      [9, 'input.events[9].cart.value'],
    ]);
    expect(rejected[0]).toMatchObject({ eventId: 'bad-type', type: 'cart.emptied', status: 'REJECTED', error: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses the same event id twice in one batch (source compared case-insensitively), but not in another source', () => {
    const { valid, rejected } = plan(cart('e-1'), cart('e-1', { source: 'SHOP' }), cart('e-1', { source: 'app' }));
    expect(valid.map((v) => v.index)).toEqual([0, 2]);
    expect(rejected[0].error).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.events[1].eventId',
      message: 'input.events[1].eventId: the same event is already at input.events[0] in this batch',
    });
  });

  it('builds order.placed as an order of the event source, customer and time, judged by the order rules', () => {
    const order = (extra: Partial<NonNullable<CommerceEventInput['order']>>): CommerceEventInput => ({
      ...cart('o-1', { type: 'order.placed', contactId: CONTACT, externalCustomer: null, cart: null }),
      order: { externalOrderId: 'O-1', amount: '80.00', currency: 'EUR', ...extra },
    });
    const { valid } = plan(order({}));
    expect(valid[0]).toMatchObject({
      kind: 'order',
      order: {
        source: 'shop',
        externalOrderId: 'O-1',
        contactId: CONTACT,
        externalCustomer: null,
        occurredAt: new Date('2026-03-01T10:00:00Z'),
        amount: '80.00',
      },
    });
    expect(
      fieldsOf([order({ amount: '-5' }), order({ currency: 'XX' }), order({ lines: [{ sku: '', quantity: '1', unitPrice: '1' }] })]),
    ).toEqual([
      [0, 'input.events[0].order.amount'],
      [1, 'input.events[1].order.currency'],
      [2, 'input.events[2].order.lines[0].sku'],
    ]);
  });

  it('checks page and product views: absolute http(s) URLs, priced products with a currency', () => {
    const view = (type: string, detail: Partial<CommerceEventInput>): CommerceEventInput => ({
      ...cart(`${type}-${Object.keys(detail)[0]}`, { type, cart: null }),
      ...detail,
    });
    const { valid, rejected } = plan(
      view('page.viewed', { page: { url: 'https://shop.test/tea', title: 'Tea', referrer: null } }),
      view('product.viewed', { product: { sku: 'TEA-1', price: '4.50', currency: 'eur' } }),
      view('page.viewed', { page: { url: 'javascript:alert(1)' } }),
      view('product.viewed', { product: { sku: 'TEA-1', price: '4.50' } }),
      view('page.viewed', { page: { url: '/relative' } }),
    );
    expect(valid.map((v) => [v.index, v.kind === 'interaction' && v.busType, v.kind === 'interaction' && v.subjectId])).toEqual([
      [0, PAGE_VIEWED, 'https://shop.test/tea'],
      [1, PRODUCT_VIEWED, 'TEA-1'],
    ]);
    expect(valid[1]).toMatchObject({ data: { price: '4.50', currency: 'EUR', viewedAt: '2026-03-01T10:00:00.000Z' } });
    expect(rejected.map((r) => [r.index, r.error?.field, r.error?.message])).toEqual([
      [2, 'input.events[2].page.url', 'input.events[2].page.url: must be an http or https URL'],
      [3, 'input.events[3].product.currency', expect.any(String)],
      [4, 'input.events[4].page.url', 'input.events[4].page.url: must be an absolute URL'],
    ]);
  });
});
