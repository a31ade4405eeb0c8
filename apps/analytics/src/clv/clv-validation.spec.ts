import { purchaseModels } from '@rapport/clv';
import { fitClv, holdoutCheck, type ClvFitOutcome } from './clv-fit';
import { fitVerdict, holdoutError, rejectionReasons } from './clv-validation';

type Fitted = Extract<ClvFitOutcome, { ok: true }>;

/** A sound fit (CDNOW's published BG/NBD and Gamma-Gamma, with their standard errors). */
const sound: Fitted = {
  ok: true,
  purchaseModel: {
    params: { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 },
    standardErrors: { r: 0.0126, alpha: 0.3784, a: 0.1853, b: 0.7049 },
    logLikelihood: -9582.43,
    iterations: 30,
    converged: true,
  },
  gammaGamma: {
    params: { p: 6.2488, q: 3.7446, gamma: 15.4477 },
    standardErrors: { p: 0.3, q: 0.2, gamma: 1.2 },
    logLikelihood: -4000,
    iterations: 20,
    converged: true,
  },
  spendModelReason: null,
  observedSpend: { min: 2, max: 300 },
  holdout: null,
  customersUsed: 2357,
  repeatBuyers: 946,
};

describe('rejectionReasons', () => {
  it('accepts a converged fit inside the bounds with standard errors', () => {
    expect(rejectionReasons(sound, 'BG/NBD', 0.5)).toEqual([]);
  });

  it('rejects a degenerate fit: dropout parameters at the edge of their range and no standard errors', () => {
    const degenerate: Fitted = {
      ...sound,
      purchaseModel: { ...sound.purchaseModel, params: { r: 0.24, alpha: 4.4, a: 3e-9, b: 8e7 }, standardErrors: null },
    };
    const reasons = rejectionReasons(degenerate, 'BG/NBD', 0.5);
    expect(reasons).toEqual([
      expect.stringMatching(/^BG\/NBD: parameter a = 3\.000e-9 is outside/),
      expect.stringMatching(/^BG\/NBD: parameter b = 8\.000e\+7 is outside/),
      expect.stringMatching(/^BG\/NBD: no standard errors/),
    ]);
  });

  it("rejects a spend model whose mean is nowhere near what customers spend (issue 16's γ = 2.4e-258)", () => {
    const tiny: Fitted = { ...sound, gammaGamma: { ...sound.gammaGamma!, params: { p: 3, q: 1.2, gamma: 2.4e-258 } } };
    const reasons = rejectionReasons(tiny, 'BG/NBD', 0.5);
    expect(reasons).toContainEqual(expect.stringMatching(/^Gamma-Gamma: parameter gamma = 2\.400e-258 is outside/));
    expect(reasons).toContainEqual(expect.stringMatching(/^Gamma-Gamma: population mean spend .* lies outside/));
  });

  it("rejects a hold-out forecast off by more than the tenant's limit", () => {
    const cell = { customers: 100, actual: 40, predicted: 100 };
    const holdout = { periods: 13, overall: cell, byPurchaseCount: [] };
    expect(holdoutError(holdout)).toBeCloseTo(1.5, 12);
    expect(rejectionReasons({ ...sound, holdout }, 'BG/NBD', 0.5)).toEqual([
      'hold-out: 100.0 purchases predicted, 40 made (error 150.0 %, limit 50.0 %)',
    ]);
    expect(rejectionReasons({ ...sound, holdout }, 'BG/NBD', 2)).toEqual([]);
    // Nobody bought in the hold-out: the forecast is measured against one purchase.
    expect(holdoutError({ ...holdout, overall: { customers: 10, actual: 0, predicted: 0.2 } })).toBeCloseTo(0.2, 12);
  });

  it('names the customers a degenerate fit cannot forecast, with numbers, instead of a NaN hold-out error', () => {
    // Dropout parameters at the edge (a huge, b tiny): BG/NBD's conditional expectation is 0/0 for every group.
    const params = { r: 0.24, alpha: 4.4, a: 1e5, b: 1e-9 };
    const groups = [
      { x: 0, txDays: 0, tDays: 200, customers: 25, holdoutPurchases: 3 },
      { x: 2, txDays: 150, tDays: 220, customers: 10, holdoutPurchases: 9 },
      { x: 9, txDays: 200, tDays: 230, customers: 7, holdoutPurchases: 20 },
    ];
    const holdout = holdoutCheck(purchaseModels.BG_NBD, params, groups, 7, 91);
    // The totals stay numbers (the API's predicted is a non-null Float).
    expect(Number.isFinite(holdout.overall.predicted)).toBe(true);
    expect(holdout.byPurchaseCount.every((c) => Number.isFinite(c.predicted))).toBe(true);
    const degenerate: Fitted = { ...sound, purchaseModel: { ...sound.purchaseModel, params }, holdout };
    const reasons = rejectionReasons(degenerate, 'BG/NBD', 0.5);
    expect(reasons.join('\n')).not.toMatch(/NaN/);
    expect(reasons).toContainEqual(
      expect.stringMatching(
        /^hold-out: BG\/NBD gives no finite forecast for \d+ of 42 customers \(the first: x = \d+, t_x = [\d.]+, T = [\d.]+ gives .+\) at r = 0\.2400, alpha = 4\.400, a = 1\.000e\+5, b = 1\.000e-9/,
      ),
    );
  });

  it('rejects a fit whose hold-out forecast throws instead of failing the whole fit', () => {
    // Shapes near zero: the Gauss hypergeometric function behind the forecast refuses its arguments.
    const params = { r: 0.24, alpha: 4.4, a: 1e-300, b: 1e-300 };
    const groups = [0, 1, 2, 5].map((x) => ({ x, txDays: 30 * x, tDays: 220, customers: 10, holdoutPurchases: 3 }));
    const holdout = holdoutCheck(purchaseModels.BG_NBD, params, groups, 7, 91);
    expect(holdout.missingForecast).toMatchObject({ example: { forecast: expect.stringMatching(/^an error \(hypergeometric2F1/) } });
  });

  it('rejects an unconverged fit and non-finite standard errors', () => {
    const shaky: Fitted = {
      ...sound,
      purchaseModel: { ...sound.purchaseModel, converged: false, standardErrors: { r: Number.NaN, alpha: 1, a: 1, b: 1 } },
    };
    expect(rejectionReasons(shaky, 'BG/NBD', 0.5)).toEqual([
      'BG/NBD: the optimiser did not converge',
      'BG/NBD: the standard error of r is not finite',
    ]);
  });
});

describe('fitVerdict', () => {
  it('REJECTS a fit whose optimiser did not converge, naming it; FAILED is for a fit that could not be made', () => {
    // Before ADR 081 an unconverged fit was FAILED: the issue asks for REJECTED with the reasons.
    const summary = {
      customers: 60,
      frequencyRecency: [
        { x: 0, txDays: 0, tDays: 300, customers: 30, holdoutPurchases: 0 },
        { x: 2, txDays: 150, tDays: 280, customers: 20, holdoutPurchases: 0 },
        { x: 5, txDays: 260, tDays: 290, customers: 10, holdoutPurchases: 0 },
      ],
      spend: [],
    };
    const stalled = fitClv(summary, 7, null, 'MBG_NBD', { maxIterations: 1 });
    const verdict = fitVerdict(stalled, 'MBG/NBD', 0.5);
    expect(verdict).toEqual({
      status: 'REJECTED',
      rejectionReasons: [expect.stringMatching(/^MBG\/NBD .*: maximum-likelihood fit did not converge/)],
      failureReason: null,
    });
    expect(fitVerdict(fitClv({ customers: 0, frequencyRecency: [], spend: [] }, 7, null), 'BG/NBD', 0.5)).toEqual({
      status: 'FAILED',
      rejectionReasons: [],
      failureReason: expect.stringMatching(/no customers to fit/),
    });
    expect(fitVerdict(sound, 'BG/NBD', 0.5)).toEqual({ status: 'FITTED', rejectionReasons: [], failureReason: null });
  });
});
