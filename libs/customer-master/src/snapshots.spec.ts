import { newestPerRecord } from './snapshots';

describe('newestPerRecord', () => {
  it('keeps the newest snapshot of each record (the later of a tie), oldest first', () => {
    const batch = [
      { id: 'a', updatedAt: '2026-01-02T00:00:00.000Z', v: 1 },
      { id: 'b', updatedAt: '2026-01-01T00:00:00.000Z', v: 2 },
      { id: 'a', updatedAt: '2026-01-01T00:00:00.000Z', v: 3 },
      { id: 'b', updatedAt: '2026-01-01T00:00:00.000Z', v: 4 },
    ];
    expect(newestPerRecord(batch).map((s) => s.v)).toEqual([4, 1]);
    expect(newestPerRecord([])).toEqual([]);
  });
});
