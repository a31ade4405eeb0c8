import { expectedPurchasesConditional, mbgNbdProbabilityAlive, purchaseModels, type MbgNbdParams } from '@rapport/clv';
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

/** Many one-time buyers silent for long beside active repeat buyers: dropout is visible in the data. */
const dropouts: GroupedSummary = {
  ...summary,
  customers: 100,
  frequencyRecency: [
    { x: 0, txDays: 0, tDays: 400, customers: 40, holdoutPurchases: 1 },
    { x: 0, txDays: 0, tDays: 100, customers: 10, holdoutPurchases: 3 },
    { x: 1, txDays: 30, tDays: 380, customers: 10, holdoutPurchases: 1 },
    { x: 3, txDays: 350, tDays: 390, customers: 15, holdoutPurchases: 12 },
    { x: 6, txDays: 370, tDays: 390, customers: 15, holdoutPurchases: 25 },
    { x: 2, txDays: 60, tDays: 400, customers: 10, holdoutPurchases: 0 },
  ],
};

describe('fitClv', () => {
  it('takes the observed spend range of any number of spend groups (a million customers once overflowed the stack)', () => {
    // Math.min(...spends) passes every group as an argument: past ~100k groups that throws RangeError.
    const many: GroupedSummary = {
      ...summary,
      spend: Array.from({ length: 300_000 }, (_, i) => ({ x: 1 + (i % 5), m: 20 + (i % 977) / 10, customers: 1 })),
    };
    const fit = fitClv(many, 7, null);
    if (!fit.ok) throw new Error(fit.reason);
    expect(fit.observedSpend).toEqual({ min: 20, max: 20 + 976 / 10 });
  });

  it('fits both models on grouped rows and checks the hold-out per purchase-count bucket', () => {
    const fit = fitClv(summary, 7, 91);
    if (!fit.ok) throw new Error(fit.reason);
    expect(fit).toMatchObject({ customersUsed: 60, repeatBuyers: 35 });
    expect(fit.purchaseModel.converged).toBe(true);
    expect(fit.gammaGamma!.params.q).toBeGreaterThan(1);
    expect(fit.spendModelReason).toBeNull();
    expect(fit.observedSpend).toEqual({ min: 25, max: 70 });
    const holdout = fit.holdout!;
    expect(holdout.periods).toBe(13);
    expect(holdout.byPurchaseCount.map((c) => c.bucket)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(holdout.overall).toMatchObject({ customers: 60, actual: 48 });
    const nine = holdout.byPurchaseCount[7];
    expect(nine).toMatchObject({ customers: 7, actual: 20 });
    expect(nine.predicted).toBeCloseTo(
      7 * expectedPurchasesConditional(fit.purchaseModel.params as never, { x: 9, tx: 200 / 7, T: 230 / 7 }, 13),
      10,
    );
  });

  it('fits the purchase model of the kind asked for (libs/clv registry), hold-out included', () => {
    const fit = fitClv(dropouts, 7, 91, 'MBG_NBD');
    if (!fit.ok) throw new Error(fit.reason);
    expect(Object.keys(fit.purchaseModel.params).sort()).toEqual(['a', 'alpha', 'b', 'r']);
    const params = fit.purchaseModel.params as unknown as MbgNbdParams;
    // Under MBG/NBD a one-time buyer can be gone: P(alive) below 1.
    expect(mbgNbdProbabilityAlive(params, { x: 0, tx: 0, T: 400 / 7 })).toBeLessThan(
      mbgNbdProbabilityAlive(params, { x: 0, tx: 0, T: 100 / 7 }),
    );
    expect(mbgNbdProbabilityAlive(params, { x: 0, tx: 0, T: 100 / 7 })).toBeLessThan(1);
    const zero = fit.holdout!.byPurchaseCount[0];
    expect(zero.predicted).toBeCloseTo(
      40 * purchaseModels.MBG_NBD.expectedPurchasesConditional(params, { x: 0, tx: 0, T: 400 / 7 }, 13) +
        10 * purchaseModels.MBG_NBD.expectedPurchasesConditional(params, { x: 0, tx: 0, T: 100 / 7 }, 13),
      10,
    );
  });

  it('stores no numbers when the purchase model fails: no data (FAILED), no convergence (REJECTED)', () => {
    expect(fitClv({ customers: 0, frequencyRecency: [], spend: [] }, 7, null)).toEqual({
      ok: false,
      reason: 'BG/NBD (Fader, Hardie & Lee 2005): no customers to fit',
      rejected: false,
      customersUsed: 0,
      repeatBuyers: 0,
    });
    const stalled = fitClv(summary, 7, null, 'BG_NBD', { maxIterations: 1 });
    expect(stalled).toMatchObject({ ok: false, rejected: true });
    if (!stalled.ok) expect(stalled.reason).toMatch(/^BG\/NBD .*: maximum-likelihood fit did not converge/);
  });

  it('keeps the purchase model when Gamma-Gamma has no finite mean (q ≤ 1), with the reason', () => {
    // Mean spends from a Lomax law with tail index 0.6: the fitted q is below 1.
    const heavy = Array.from({ length: 400 }, (_, i) => ({
      x: 1 + (i % 3),
      m: 20 * (Math.pow(1 - (i + 0.5) / 400, -1 / 0.6) - 1),
      customers: 1,
    }));
    const noMean = fitClv({ ...summary, spend: heavy }, 7, null);
    if (!noMean.ok) throw new Error(noMean.reason);
    expect(noMean.gammaGamma).toBeNull();
    expect(noMean.spendModelReason).toMatch(/^Gamma-Gamma: q = .* <= 1/);
    expect(noMean.purchaseModel.converged).toBe(true);
  });

  it('buckets calibration purchase counts 0–6 and 7+', () => {
    expect([0, 1, 6, 7, 30].map(holdoutBucket)).toEqual(['0', '1', '6', '7+', '7+']);
    expect(holdoutCheck(purchaseModels.BG_NBD, { r: 1, alpha: 1, a: 1, b: 1 }, [], 1, 10).overall).toEqual({
      customers: 0,
      actual: 0,
      predicted: 0,
    });
  });
});
