import { GraphQLError } from 'graphql';
import { orderInputFromJson, validateOrder, type OrderInput } from './order-input';

const now = new Date('2026-03-01T12:00:00Z');
const base: OrderInput = {
  source: ' Shopify ',
  externalOrderId: ' #1001 ',
  externalCustomer: { source: 'ERP', key: ' C-1 ' },
  occurredAt: new Date('2026-02-27T10:00:00Z'),
  amount: '129.90',
  currency: 'eur',
  channel: 'Web',
};

function rejectionOf(fn: () => unknown): { field: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    return { field: (err as GraphQLError).extensions.field, message: (err as GraphQLError).message };
  }
  throw new Error('expected a rejection');
}

describe('validateOrder', () => {
  it('normalises source, ids, currency, channel and money (exact decimals)', () => {
    const order = validateOrder('orders[0]', { ...base, lines: [{ sku: 'SKU-1', quantity: '2.50', unitPrice: '10.100' }] }, now);
    expect(order).toEqual({
      source: 'shopify',
      externalOrderId: '#1001',
      customer: { source: 'erp', key: 'C-1' },
      occurredAt: new Date('2026-02-27T10:00:00Z'),
      amount: '129.9',
      currency: 'EUR',
      channel: 'web',
      status: 'PLACED',
      lines: [{ sku: 'SKU-1', quantity: '2.5', unitPrice: '10.1' }],
    });
  });

  it('takes a contact id instead of an external customer, but not both; neither is a guest order', () => {
    const id = '0190a7f4-3c1e-7b2a-9d4e-5f6a7b8c9d0e';
    expect(validateOrder('o', { ...base, externalCustomer: null, contactId: id.toUpperCase() }, now).customer).toEqual({ contactId: id });
    expect(rejectionOf(() => validateOrder('o', { ...base, contactId: id }, now)).field).toBe('o.contactId');
    expect(validateOrder('o', { ...base, externalCustomer: null }, now).customer).toEqual({ guest: true });
    expect(validateOrder('o', { ...base, externalCustomer: undefined, contactId: undefined }, now).customer).toEqual({ guest: true });
    expect(rejectionOf(() => validateOrder('o', { ...base, externalCustomer: null, contactId: 'nope' }, now)).field).toBe('o.contactId');
    expect(rejectionOf(() => validateOrder('o', { ...base, externalCustomer: { source: 'erp', key: ' ' } }, now)).field).toBe(
      'o.externalCustomer.key',
    );
  });

  it('names the money field that is wrong', () => {
    expect(rejectionOf(() => validateOrder('orders[2]', { ...base, amount: '12,50' }, now)).field).toBe('orders[2].amount');
    expect(rejectionOf(() => validateOrder('orders[2]', { ...base, amount: '1.23456' }, now)).field).toBe('orders[2].amount');
    expect(rejectionOf(() => validateOrder('orders[2]', { ...base, currency: 'euro' }, now)).field).toBe('orders[2].currency');
    expect(rejectionOf(() => validateOrder('o', { ...base, lines: [{ sku: 'A', quantity: 'two', unitPrice: '1' }] }, now)).field).toBe(
      'o.lines[0].quantity',
    );
    expect(rejectionOf(() => validateOrder('o', { ...base, lines: [{ sku: 'A', quantity: '1', unitPrice: '1e3' }] }, now)).field).toBe(
      'o.lines[0].unitPrice',
    );
  });

  it('keeps purchases non-negative and refunds negative', () => {
    expect(rejectionOf(() => validateOrder('o', { ...base, amount: '-5' }, now)).message).toMatch(/status REFUNDED/);
    expect(rejectionOf(() => validateOrder('o', { ...base, amount: '5', status: 'REFUNDED' }, now)).field).toBe('o.amount');
    expect(validateOrder('o', { ...base, amount: '-5.00', status: 'REFUNDED' }, now)).toMatchObject({ amount: '-5', status: 'REFUNDED' });
    expect(validateOrder('o', { ...base, status: 'CANCELLED' }, now).status).toBe('CANCELLED');
  });

  it('wants a real instant, not in the future', () => {
    expect(validateOrder('o', { ...base, occurredAt: '2026-02-27T10:00:00+02:00' }, now).occurredAt.toISOString()).toBe(
      '2026-02-27T08:00:00.000Z',
    );
    expect(rejectionOf(() => validateOrder('o', { ...base, occurredAt: '2026-02-27' }, now)).field).toBe('o.occurredAt');
    expect(rejectionOf(() => validateOrder('o', { ...base, occurredAt: new Date('2026-03-05T00:00:00Z') }, now)).message).toMatch(/future/);
  });

  it('limits text lengths', () => {
    expect(rejectionOf(() => validateOrder('o', { ...base, externalOrderId: 'x'.repeat(201) }, now)).field).toBe('o.externalOrderId');
    expect(rejectionOf(() => validateOrder('o', { ...base, source: '' }, now)).field).toBe('o.source');
  });
});

describe('orderInputFromJson', () => {
  const json = { ...base, occurredAt: '2026-02-27T10:00:00Z' };

  it('turns malformed JSON into rejections naming the field', () => {
    expect(rejectionOf(() => orderInputFromJson('order', null)).field).toBe('order');
    expect(rejectionOf(() => orderInputFromJson('order', { ...json, amount: 12.5 })).field).toBe('order.amount');
    expect(rejectionOf(() => orderInputFromJson('order', { ...json, externalCustomer: 'C-1' })).field).toBe('order.externalCustomer');
    expect(rejectionOf(() => orderInputFromJson('order', { ...json, lines: [{ sku: 'A', quantity: 1, unitPrice: '1' }] })).field).toBe(
      'order.lines[0]',
    );
  });

  it('passes well-formed orders through to validateOrder', () => {
    expect(validateOrder('order', orderInputFromJson('order', JSON.parse(JSON.stringify(json))), now).amount).toBe('129.9');
  });
});
