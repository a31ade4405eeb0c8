import { cdnowSummaries, expectRelativelyClose, publishedCdnowSummary } from './__tests__/cdnow-fixture';
import {
  bgNbdLogLikelihood,
  expectedPurchasesConditional,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
  type BgNbdFitResult,
  type BgNbdParams,
} from './bg-nbd';
import { groupByFrequencyRecency } from './grouping';
import { hypergeometric2F1 } from './special-functions';

// Fader, Hardie & Lee (2005) and ANALYTICS.md.
const PUBLISHED: BgNbdParams = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
const PUBLISHED_LOG_LIKELIHOOD = -9582.43;

function expectSuccess(fit: BgNbdFitResult) {
  if (!fit.ok) throw new Error(`fit failed: ${fit.message}`);
  return fit;
}

describe('fitBgNbd on CDNOW (raw transactions → summary → fit)', () => {
  const grouped = groupByFrequencyRecency(cdnowSummaries());
  const fit = expectSuccess(fitBgNbd(grouped));

  it('reproduces the published parameters and log-likelihood', () => {
    expectRelativelyClose(fit.params.r, PUBLISHED.r);
    expectRelativelyClose(fit.params.alpha, PUBLISHED.alpha);
    expectRelativelyClose(fit.params.a, PUBLISHED.a);
    expectRelativelyClose(fit.params.b, PUBLISHED.b);
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED_LOG_LIKELIHOOD, 2);
    expect(fit.converged).toBe(true);
  });

  it('reports standard errors consistent with lifetimes (0.013, 0.378, 0.186, 0.705)', () => {
    const se = fit.standardErrors;
    expect(se).not.toBeNull();
    expect(se!.r).toBeCloseTo(0.0126, 3);
    expect(se!.alpha).toBeCloseTo(0.378, 2);
    expect(se!.a).toBeCloseTo(0.186, 2);
    expect(se!.b).toBeCloseTo(0.705, 2);
  });

  it('gives the same fit on per-customer rows as on weighted groups', () => {
    expect(grouped.length).toBeLessThan(cdnowSummaries().length);
    const ungrouped = expectSuccess(fitBgNbd(cdnowSummaries()));
    expect(ungrouped.logLikelihood).toBeCloseTo(fit.logLikelihood, 6);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expectRelativelyClose(ungrouped.params[name], fit.params[name], 1e-5);
    }
  });

  it('reproduces the published figures to 4+ digits from the published (rounded) summary', () => {
    // The published parameters were fitted on the CSV, whose t_x and T are
    // rounded to 2 decimals; that explains the last-digit differences above.
    const fromCsv = expectSuccess(fitBgNbd(publishedCdnowSummary()));
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expectRelativelyClose(fromCsv.params[name], PUBLISHED[name], 5e-5);
    }
    expect(fromCsv.logLikelihood).toBeCloseTo(PUBLISHED_LOG_LIKELIHOOD, 2);
  });

  it('says so instead of returning numbers when it does not converge', () => {
    const result = fitBgNbd(grouped, { maxIterations: 2 });
    expect(result).toMatchObject({ ok: false, reason: 'not-converged', converged: false, iterations: 2 });
    expect(result).not.toHaveProperty('params');
  });
});

describe('fitBgNbd input validation', () => {
  it('rejects empty or inconsistent data', () => {
    expect(fitBgNbd([])).toMatchObject({ ok: false, reason: 'invalid-input' });
    expect(fitBgNbd([{ x: 1, tx: 5, T: 4 }])).toMatchObject({ ok: false, reason: 'invalid-input' });
    expect(fitBgNbd([{ x: 1.5, tx: 1, T: 4 }])).toMatchObject({ ok: false, reason: 'invalid-input' });
  });
});

describe('bgNbdLogLikelihood', () => {
  it('weights rows: a weight of k equals k copies', () => {
    const row = { x: 3, tx: 20.1, T: 35.6 };
    expect(bgNbdLogLikelihood(PUBLISHED, [{ ...row, weight: 3 }])).toBeCloseTo(bgNbdLogLikelihood(PUBLISHED, [row, row, row]), 10);
  });

  it('stays finite for very heavy buyers', () => {
    expect(Number.isFinite(bgNbdLogLikelihood(PUBLISHED, [{ x: 5000, tx: 300, T: 310 }]))).toBe(true);
  });
});

describe('BG/NBD predictions at the published parameters', () => {
  const customer1 = { x: 2, tx: 30.43, T: 38.86 };

  it('customer 1: P(alive) = 0.7266 and 1.2259 purchases in the next 39 weeks', () => {
    expect(probabilityAlive(PUBLISHED, customer1)).toBeCloseTo(0.7266, 4);
    expect(expectedPurchasesConditional(PUBLISHED, customer1, 39)).toBeCloseTo(1.2259, 4);
  });

  it('a new customer: 1.195, 1.444 and 1.858 purchases in 39, 52 and 78 weeks', () => {
    expect(expectedPurchasesNewCustomer(PUBLISHED, 39)).toBeCloseTo(1.195, 3);
    expect(expectedPurchasesNewCustomer(PUBLISHED, 52)).toBeCloseTo(1.444, 3);
    expect(expectedPurchasesNewCustomer(PUBLISHED, 78)).toBeCloseTo(1.858, 3);
  });

  it('a customer without repeat purchases is certainly alive', () => {
    expect(probabilityAlive(PUBLISHED, { x: 0, tx: 0, T: 30 })).toBe(1);
  });

  it('matches the untransformed FHL eq. 10 (Euler transformation is exact)', () => {
    const { r, alpha, a, b } = PUBLISHED;
    const { x, tx, T } = customer1;
    const t = 52;
    const z = t / (alpha + T + t);
    const direct =
      (((a + b + x - 1) / (a - 1)) *
        (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hypergeometric2F1(r + x, b + x, a + b + x - 1, z))) /
      (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
    expect(expectedPurchasesConditional(PUBLISHED, customer1, t)).toBeCloseTo(direct, 12);
  });

  it('is continuous through the removable singularity at a = 1', () => {
    const at = (a: number) => expectedPurchasesConditional({ ...PUBLISHED, a }, customer1, 39);
    expect(at(1)).toBeCloseTo((at(1 - 1e-3) + at(1 + 1e-3)) / 2, 6);
  });

  it('handles heavy buyers without overflow (values from mpmath at 40 digits)', () => {
    // Untransformed, the ₂F₁ series terms for x = 3000 would reach ~1e900.
    const lastBoughtAtEnd = (x: number) => ({ x, tx: 38.86, T: 38.86 });
    expect(expectedPurchasesConditional(PUBLISHED, lastBoughtAtEnd(400), 39)).toBeCloseTo(274.7970846106662, 9);
    expect(expectedPurchasesConditional(PUBLISHED, lastBoughtAtEnd(3000), 39)).toBeCloseTo(2061.55991706982, 8);
    expect(probabilityAlive(PUBLISHED, lastBoughtAtEnd(3000))).toBeCloseTo(0.9997358953230157, 14);
    // A heavy buyer silent for the last 0.86 weeks (≈ 9 expected purchases) is probably gone.
    expect(probabilityAlive(PUBLISHED, { x: 400, tx: 38, T: 38.86 })).toBeCloseTo(0.1409670310946952, 12);
  });

  it('is zero at t = 0 and increases with t', () => {
    expect(expectedPurchasesConditional(PUBLISHED, customer1, 0)).toBe(0);
    const values = [1, 10, 50, 100].map((t) => expectedPurchasesConditional(PUBLISHED, customer1, t));
    values.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(values[i]));
  });
});
