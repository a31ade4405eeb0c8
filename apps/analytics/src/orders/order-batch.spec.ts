import { batchField, planBatch } from './order-batch';
import type { OrderInput } from './order-input';

const now = new Date('2026-03-01T12:00:00Z');
const order = (id: string, extra: Partial<OrderInput> = {}): OrderInput => ({
  source: 'shop',
  externalOrderId: id,
  externalCustomer: { source: 'erp', key: 'C-1' },
  occurredAt: new Date('2026-02-01T00:00:00Z'),
  amount: '10',
  currency: 'EUR',
  ...extra,
});

describe('planBatch', () => {
  it('rejects bad orders one by one and keeps the good ones, with their input positions', () => {
    const { valid, rejected } = planBatch(
      batchField('input.orders'),
      [order('1'), order('2', { amount: 'ten' }), order('3'), order('4', { currency: 'X' })],
      now,
    );
    expect(valid.map((v) => v.index)).toEqual([0, 2]);
    expect(rejected.map((r) => [r.index, r.outcome, r.error?.field])).toEqual([
      [1, 'REJECTED', 'input.orders[1].amount'],
      [3, 'REJECTED', 'input.orders[3].currency'],
    ]);
    expect(rejected[0]).toMatchObject({ source: 'shop', externalOrderId: '2', orderId: null, contactId: null });
  });

  it('refuses the same order twice in one batch (source compared case-insensitively)', () => {
    const { valid, rejected } = planBatch(
      batchField('orders'),
      [order('A'), order('A', { source: 'SHOP', amount: '11' }), order('B')],
      now,
    );
    expect(valid.map((v) => v.index)).toEqual([0, 2]);
    expect(rejected[0].error).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'orders[1].externalOrderId',
      message: 'orders[1].externalOrderId: the same order is already at orders[0] in this batch',
    });
  });
});
