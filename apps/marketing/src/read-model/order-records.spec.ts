import { applyOrderRecords, type StoredOrder } from './order-records';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 3, minute)).toISOString();
const ms = (minute: number) => Date.parse(at(minute));

describe('applyOrderRecords', () => {
  it('applies records of new orders and touches the contacts they name', () => {
    const result = applyOrderRecords(
      [
        { orderId: 'o1', contactId: 'a', at: at(1) },
        { orderId: 'o2', contactId: null, at: at(1) },
      ],
      new Map(),
    );
    expect(result).toEqual({ applied: [true, true], touched: ['a'] });
  });

  it('skips a record older than the stored one or an earlier one of the run, and a tie applies (the later overwrites)', () => {
    const stored = new Map<string, StoredOrder>([['o1', { contactId: 'a', recordedAt: ms(5) }]]);
    const result = applyOrderRecords(
      [
        { orderId: 'o1', contactId: 'b', at: at(4) },
        { orderId: 'o1', contactId: 'b', at: at(5) },
        { orderId: 'o2', contactId: 'c', at: at(9) },
        { orderId: 'o2', contactId: 'c', at: at(8) },
      ],
      stored,
    );
    expect(result.applied).toEqual([false, true, true, false]);
    expect(result.touched.sort()).toEqual(['a', 'b', 'c']);
  });

  it('touches every contact an order passed through within the run, as writes one by one recount each', () => {
    const stored = new Map<string, StoredOrder>([['o1', { contactId: 'a', recordedAt: ms(1) }]]);
    const result = applyOrderRecords(
      [
        { orderId: 'o1', contactId: 'b', at: at(2) },
        { orderId: 'o1', contactId: 'c', at: at(3) },
      ],
      stored,
    );
    expect(result).toEqual({ applied: [true, true], touched: ['a', 'b', 'c'] });
  });
});
