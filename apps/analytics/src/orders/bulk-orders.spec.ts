import { MAX_BULK_ORDERS, parseBulkOrders } from './bulk-orders';

const line = (id: string) =>
  JSON.stringify({ source: 'shop', externalOrderId: id, occurredAt: '2026-03-01T10:00:00Z', amount: '1', currency: 'EUR' });

describe('parseBulkOrders', () => {
  it('takes one order a line, with or without a final newline, numbering lines from 0', () => {
    for (const body of [`${line('a')}\n${line('b')}\n`, `${line('a')}\n${line('b')}`]) {
      const parsed = parseBulkOrders(body);
      expect(parsed.rejected).toEqual([]);
      expect(parsed.orders.map((o) => [o.index, o.input.externalOrderId])).toEqual([
        [0, 'a'],
        [1, 'b'],
      ]);
    }
  });

  it('rejects a line that is not JSON or not an order on its own, naming it as recordOrders would', () => {
    const parsed = parseBulkOrders(
      [line('a'), '{oops', '', '[1]', JSON.stringify({ externalOrderId: 'x', amount: 5 }), line('b')].join('\n'),
    );
    expect(parsed.orders.map((o) => o.index)).toEqual([0, 5]);
    expect(parsed.rejected.map((r) => [r.index, r.outcome, r.externalOrderId, r.error?.field])).toEqual([
      [1, 'REJECTED', null, 'input.orders[1]'],
      [2, 'REJECTED', null, 'input.orders[2]'],
      [3, 'REJECTED', null, 'input.orders[3]'],
      [4, 'REJECTED', 'x', 'input.orders[4].amount'],
    ]);
    expect(parsed.rejected[3].error?.message).toBe('input.orders[4].amount: must be a string');
  });

  it('refuses more than MAX_BULK_ORDERS lines as a whole, naming input.orders', () => {
    expect(() => parseBulkOrders(`${line('a')}\n`.repeat(MAX_BULK_ORDERS + 1))).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'input.orders' } }),
    );
    expect(parseBulkOrders(`${line('a')}\n`.repeat(MAX_BULK_ORDERS)).orders).toHaveLength(MAX_BULK_ORDERS);
  });
});
