import { quantileCutPoints, scoreRfm, type RfmInput } from './rfm';
import { checkSegmentGrid, DEFAULT_RFM_SEGMENTS, segmentFor, type RfmSegmentDefinition } from './rfm-segments';

describe('quantileCutPoints', () => {
  it('interpolates like SQL percentile_cont', () => {
    // 0..10: the 20/40/60/80 % quantiles are 2, 4, 6, 8.
    expect(quantileCutPoints([10, 3, 0, 7, 1, 9, 2, 8, 5, 4, 6])).toEqual([2, 4, 6, 8]);
    expect(quantileCutPoints([1, 2])).toEqual([1.2, 1.4, 1.6, 1.8]);
    expect(quantileCutPoints([])).toEqual([]);
  });
});

describe('scoreRfm', () => {
  const rows: RfmInput[] = Array.from({ length: 10 }, (_, i) => ({
    customerId: `c${i}`,
    recency: i * 10, // c0 bought most recently
    frequency: i + 1,
    monetary: 100 * (i + 1),
  }));

  it('scores 1–5 by quintile, recency reversed (most recent = 5)', () => {
    const { scores } = scoreRfm(rows);
    expect(scores.map((s) => s.recency)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    expect(scores.map((s) => s.frequency)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(scores.map((s) => s.monetary)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('gives ties equal scores, whatever the input order', () => {
    // 60 % one-time buyers: frequency cut points coincide at 1.
    const tied: RfmInput[] = [1, 1, 1, 1, 1, 1, 2, 2, 3, 7].map((frequency, i) => ({
      customerId: `t${i}`,
      recency: [5, 5, 5, 30, 30, 30, 30, 90, 90, 200][i],
      frequency,
      monetary: 50,
    }));
    const byCustomer = (input: RfmInput[]) =>
      Object.fromEntries(scoreRfm(input).scores.map(({ customerId, ...score }) => [customerId, score]));
    const forward = byCustomer(tied);
    const backward = byCustomer([...tied].reverse());
    const shuffled = byCustomer([tied[3], tied[9], tied[0], tied[6], tied[1], tied[8], tied[2], tied[5], tied[7], tied[4]]);
    expect(backward).toEqual(forward);
    expect(shuffled).toEqual(forward);

    for (const score of [forward.t0, forward.t1, forward.t2, forward.t3, forward.t4, forward.t5]) {
      expect(score.frequency).toBe(1);
    }
    expect(forward.t6.frequency).toBe(forward.t7.frequency);
    expect(new Set([forward.t3.recency, forward.t4.recency, forward.t5.recency, forward.t6.recency]).size).toBe(1);
    // Everyone spent the same: one score for all.
    expect(new Set(Object.values(forward).map((score) => score.monetary)).size).toBe(1);
  });

  it('rejects non-finite values', () => {
    expect(() => scoreRfm([{ customerId: 'x', recency: NaN, frequency: 1, monetary: 1 }])).toThrow(RangeError);
  });
});

describe('RFM segments', () => {
  it('the default scheme covers every R×F cell exactly once', () => {
    expect(checkSegmentGrid(DEFAULT_RFM_SEGMENTS)).toEqual({ uncovered: [], overlapping: [] });
  });

  it.each([
    [5, 5, 'Champions'],
    [4, 4, 'Loyal'],
    [5, 2, 'Potential loyalists'],
    [5, 1, 'New'],
    [4, 1, 'Promising'],
    [3, 3, 'Need attention'],
    [3, 2, 'About to sleep'],
    [2, 4, 'At risk'],
    [1, 5, "Can't lose them"],
    [1, 1, 'Hibernating'],
  ])('R %p, F %p → %p', (recency, frequency, name) => {
    expect(segmentFor({ recency, frequency })?.name).toBe(name);
  });

  it('lets a tenant override definitions, and reports the cells they leave out', () => {
    const custom: RfmSegmentDefinition[] = [
      { key: 'vip', name: 'VIP', recency: { min: 4, max: 5 }, frequency: { min: 4, max: 5 } },
      { key: 'rest', name: 'Everyone else', recency: { min: 1, max: 3 }, frequency: { min: 1, max: 5 } },
    ];
    expect(segmentFor({ recency: 5, frequency: 4 }, custom)?.key).toBe('vip');
    expect(segmentFor({ recency: 5, frequency: 1 }, custom)).toBeNull();
    const report = checkSegmentGrid(custom);
    expect(report.uncovered).toHaveLength(6);
    expect(report.overlapping).toEqual([]);
  });
});
