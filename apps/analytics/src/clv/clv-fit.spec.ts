import { expectedPurchasesConditional } from '@rapport/clv';
import { fitClv, holdoutBucket, holdoutCheck } from './clv-fit';
import type { GroupedSummary } from './clv-summary-sql';

/** A small, well-behaved population: a mix of one-time and repeat buyers (days). */
const summary: GroupedSummary = {
  customers: 60,
  frequencyRecency: [
    { x: 0, txDays: 0, tDays: 200, customers: 25, holdoutPurchases: 3 },
    { x: 1, txDays: 40, tDays: 210, customers: 10, holdoutPurchases: 4 },
    { x: 2, txDays: 150, tDays: 220, customers: 10, holdoutPurchases: 9 },
    { x: 4, txDays: 180, tDays: 230, customers: 8, holdoutPurchases: 12 },
    { x: 9, txDays: 200, tDays: 230, customers: 7, holdoutPurchases: 20 },
  ],
  spend: [
    { x: 1, m: 30, customers: 4 },
    { x: 1, m: 55, customers: 6 },
    { x: 2, m: 25, customers: 5 },
    { x: 2, m: 70, customers: 5 },
    { x: 4, m: 40, customers: 8 },
    { x: 9, m: 35, customers: 7 },
  ],
};

describe('fitClv', () => {
  it('fits both models on grouped rows and checks the hold-out per purchase-count bucket', () => {
    const fit = fitClv(summary, 7, 91);
    if (!fit.ok) throw new Error(fit.reason);
    expect(fit).toMatchObject({ customersUsed: 60, repeatBuyers: 35 });
    expect(fit.bgNbd.converged).toBe(true);
    expect(fit.gammaGamma.params.q).toBeGreaterThan(1);
    const holdout = fit.holdout!;
    expect(holdout.periods).toBe(13);
    expect(holdout.byPurchaseCount.map((c) => c.bucket)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(holdout.overall).toMatchObject({ customers: 60, actual: 48 });
    const nine = holdout.byPurchaseCount[7];
    expect(nine).toMatchObject({ customers: 7, actual: 20 });
    expect(nine.predicted).toBeCloseTo(7 * expectedPurchasesConditional(fit.bgNbd.params, { x: 9, tx: 200 / 7, T: 230 / 7 }, 13), 10);
  });

  it('stores no numbers when a fit fails: no data, no convergence, or spend without a mean', () => {
    expect(fitClv({ customers: 0, frequencyRecency: [], spend: [] }, 7, null)).toEqual({
      ok: false,
      reason: 'BG/NBD: no customers to fit',
      customersUsed: 0,
      repeatBuyers: 0,
    });
    const stalled = fitClv(summary, 7, null, { maxIterations: 1 });
    expect(stalled.ok).toBe(false);
    if (!stalled.ok) expect(stalled.reason).toMatch(/^BG\/NBD: maximum-likelihood fit did not converge/);

    // Mean spends from a Lomax law with tail index 0.6: the fitted q is below 1.
    const heavy = Array.from({ length: 400 }, (_, i) => ({
      x: 1 + (i % 3),
      m: 20 * (Math.pow(1 - (i + 0.5) / 400, -1 / 0.6) - 1),
      customers: 1,
    }));
    const noMean = fitClv({ ...summary, spend: heavy }, 7, null);
    expect(noMean.ok).toBe(false);
    if (!noMean.ok) expect(noMean.reason).toMatch(/^Gamma-Gamma: q = .* <= 1/);
  });

  it('buckets calibration purchase counts 0–6 and 7+', () => {
    expect([0, 1, 6, 7, 30].map(holdoutBucket)).toEqual(['0', '1', '6', '7+', '7+']);
    expect(holdoutCheck({ r: 1, alpha: 1, a: 1, b: 1 }, [], 1, 10).overall).toEqual({ customers: 0, actual: 0, predicted: 0 });
  });
});
