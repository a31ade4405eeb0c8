import { activityTrend, churnRiskWithSignals, CHURN_SIGNAL_WEIGHTS } from './churn-risk';

describe('churnRiskWithSignals', () => {
  it('is 1 − P(alive) when there are no signals (and when the trend is steady, rising or unknown)', () => {
    for (const trend of [null, 1, 2.5]) expect(churnRiskWithSignals(0.7, { openComplaints: 0, activityTrend: trend })).toBeCloseTo(0.3, 12);
  });

  it('each open complaint keeps 0.8 of P(alive), counting at most three', () => {
    expect(churnRiskWithSignals(0.9, { openComplaints: 1, activityTrend: null })).toBeCloseTo(1 - 0.9 * 0.8, 12);
    expect(churnRiskWithSignals(0.9, { openComplaints: 3, activityTrend: null })).toBeCloseTo(1 - 0.9 * 0.512, 12);
    expect(churnRiskWithSignals(0.9, { openComplaints: 10, activityTrend: null })).toBeCloseTo(1 - 0.9 * 0.512, 12);
  });

  it('a falling trend removes up to half of P(alive): stopped buying (0) halves it, a trend of 0.6 takes a fifth', () => {
    expect(churnRiskWithSignals(0.8, { openComplaints: 0, activityTrend: 0 })).toBeCloseTo(0.6, 12);
    expect(churnRiskWithSignals(0.8, { openComplaints: 0, activityTrend: 0.6 })).toBeCloseTo(1 - 0.8 * 0.8, 12);
  });

  it('combines both, stays within [0, 1], and never falls when a signal is added', () => {
    expect(churnRiskWithSignals(0.95, { openComplaints: 2, activityTrend: 0.2 })).toBeCloseTo(1 - 0.95 * 0.64 * 0.6, 12);
    for (const p of [0, 0.3, 1]) {
      const base = churnRiskWithSignals(p, { openComplaints: 0, activityTrend: null });
      const worse = churnRiskWithSignals(p, { openComplaints: 5, activityTrend: 0 });
      expect(worse).toBeGreaterThanOrEqual(base);
      expect(worse).toBeGreaterThanOrEqual(0);
      expect(worse).toBeLessThanOrEqual(1);
    }
  });

  it('moves a LOW customer (P(alive) 0.8) into MEDIUM with one complaint and a halved rate', () => {
    expect(churnRiskWithSignals(0.8, { openComplaints: 0, activityTrend: null })).toBeLessThan(0.3);
    expect(churnRiskWithSignals(0.8, { openComplaints: 1, activityTrend: 0.5 })).toBeGreaterThanOrEqual(0.3);
  });
});

describe('activityTrend', () => {
  it('compares recent purchase days with what the earlier rate predicts for the recent period', () => {
    // 12 purchase days over 360 earlier days: 3 expected in 90 days.
    expect(activityTrend(3, 12, 360)).toBeCloseTo(1, 12);
    expect(activityTrend(1, 12, 360)).toBeCloseTo(1 / 3, 12);
    expect(activityTrend(0, 12, 360)).toBe(0);
    expect(activityTrend(6, 12, 360)).toBeCloseTo(2, 12);
  });

  it('is unknown without an established earlier rate', () => {
    expect(activityTrend(0, 1, 400)).toBeNull();
    expect(activityTrend(0, 5, CHURN_SIGNAL_WEIGHTS.recentDays - 1)).toBeNull();
  });
});
