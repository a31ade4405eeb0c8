import { batchField, inRounds, planBatch } from './order-batch';
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

describe('inRounds', () => {
  it('puts the n-th message about an order into round n, keeping stream order within each round', () => {
    const items = [
      { n: 1, input: order('A') },
      { n: 2, input: order('B') },
      { n: 3, input: order('a', { source: 'SHOP' }) },
      { n: 4, input: order('A', { status: 'CANCELLED' }) },
      { n: 5, input: order('C') },
      { n: 6, input: { ...order('D'), externalOrderId: undefined as unknown as string } },
    ];
    expect(inRounds(items).map((round) => round.map((i) => i.n))).toEqual([[1, 2, 3, 5, 6], [4]]);
  });
});
