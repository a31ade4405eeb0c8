import { fitRetention } from './retention';

describe('fitRetention (sBG)', () => {
  it('reproduces Fader & Hardie (2007) for the regular cohort, with its projection for years 8–12', () => {
    const fit = fitRetention({ survivors: [1000, 631, 468, 382, 326, 289, 262, 241] });
    expect(fit.converged).toBe(true);
    expect(fit.alpha).toBeCloseTo(0.704, 3);
    expect(fit.beta).toBeCloseTo(1.182, 3);
    expect(fit.logLikelihood).toBeCloseTo(-1680.27, 2);
    expect(fit.projectedSurvivors.map(Math.round)).toEqual([220, 204, 191, 180, 170]);
    expect(fit.retentionCurve).toHaveLength(12);
    expect(fit.retentionCurve[0]).toBeCloseTo(1.182 / (0.704 + 1.182), 3);
    expect(fit.derl).toBeGreaterThan(1);
  });

  it('returns the churn hazard per period: 1 − r_t, 0.373 in year 1 at the regular cohort’s fit, and the paper’s projection when compounded', () => {
    const fit = fitRetention({ survivors: [1000, 631, 468, 382, 326, 289, 262, 241] });
    expect(fit.churnHazard).toHaveLength(12);
    fit.churnHazard.forEach((h, i) => expect(h + fit.retentionCurve[i]).toBeCloseTo(1, 14));
    expect(fit.churnHazard[0]).toBeCloseTo(0.704 / (0.704 + 1.182), 3);
    expect(fit.byPeriod.map((p) => p.period)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(fit.byPeriod.filter((p) => p.projected).map((p) => p.period)).toEqual([8, 9, 10, 11, 12]);
    expect(fit.byPeriod.slice(7).map((p) => Math.round(1000 * p.survival))).toEqual([220, 204, 191, 180, 170]);
    for (const p of fit.byPeriod) expect(p.churnProbability).toBeCloseTo((p.survival / p.retentionRate) * p.churnHazard, 12);
  });

  it('fits the high-end cohort', () => {
    const fit = fitRetention({ survivors: [1000, 869, 743, 653, 593, 551, 517, 491], periods: 0 });
    expect(fit.alpha).toBeCloseTo(0.668, 3);
    expect(fit.beta).toBeCloseTo(3.806, 3);
    expect(fit.projectedSurvivors).toEqual([]);
  });

  it('rejects counts that rise, and nonsense periods', () => {
    expect(() => fitRetention({ survivors: [100, 120] })).toThrow(/non-increasing/);
    expect(() => fitRetention({ survivors: [100] })).toThrow();
    expect(() => fitRetention({ survivors: [100, 50], periods: -1 })).toThrow();
  });

  it.each([5e-324, 1e-10, 0.0009, 0, 1.5])(
    'refuses a discount rate of %s, which the DERL series cannot sum (1/(1+d) rounds to 1 or converges too slowly), as BAD_USER_INPUT',
    (discountRate) => {
      expect(() => fitRetention({ survivors: [1000, 631, 468, 382, 326, 289, 262, 241], discountRate })).toThrow(
        expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'input.discountRate' } }),
      );
    },
  );

  it('sums DERL at the smallest discount rate allowed', () => {
    const fit = fitRetention({ survivors: [1000, 631, 468, 382, 326, 289, 262, 241], discountRate: 0.001 });
    expect(Number.isFinite(fit.derl)).toBe(true);
  });
});
