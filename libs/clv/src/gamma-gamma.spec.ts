import { cdnowSummaries, expectRelativelyClose, publishedCdnowSummary } from './__tests__/cdnow-fixture';
import {
  conditionalExpectedAverageSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  populationMeanSpend,
  type GammaGammaFitResult,
  type GammaGammaParams,
} from './gamma-gamma';
import { groupBySpend } from './grouping';

// Fader & Hardie (2013) and ANALYTICS.md.
const PUBLISHED: GammaGammaParams = { p: 6.2488, q: 3.7446, gamma: 15.4477 };
const PUBLISHED_LOG_LIKELIHOOD = -4055.92;

function expectSuccess(fit: GammaGammaFitResult) {
  if (!fit.ok) throw new Error(`fit failed: ${fit.message}`);
  return fit;
}

describe('fitGammaGamma on the 946 CDNOW repeat buyers (from raw transactions)', () => {
  const fit = expectSuccess(fitGammaGamma(groupBySpend(cdnowSummaries())));

  it('reproduces the published parameters and log-likelihood', () => {
    expectRelativelyClose(fit.params.p, PUBLISHED.p);
    expectRelativelyClose(fit.params.q, PUBLISHED.q);
    expectRelativelyClose(fit.params.gamma, PUBLISHED.gamma);
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED_LOG_LIKELIHOOD, 2);
    expect(fit.standardErrors).not.toBeNull();
  });

  it('gives the same fit on per-customer rows as on weighted groups', () => {
    const ungrouped = expectSuccess(fitGammaGamma(cdnowSummaries()));
    expect(ungrouped.logLikelihood).toBeCloseTo(fit.logLikelihood, 6);
    expectRelativelyClose(ungrouped.params.q, fit.params.q, 1e-5);
  });

  it('reproduces the published figures to 4+ digits from the published summary', () => {
    // The published fit used zbar rounded to cents; exact means move the
    // flat γ direction by 0.03 % (0.001 standard errors).
    const rows = publishedCdnowSummary().map((row) => ({ x: row.x, monetaryValue: row.zbar }));
    const fromCsv = expectSuccess(fitGammaGamma(rows));
    expectRelativelyClose(fromCsv.params.p, PUBLISHED.p, 5e-5);
    expectRelativelyClose(fromCsv.params.q, PUBLISHED.q, 5e-5);
    expectRelativelyClose(fromCsv.params.gamma, PUBLISHED.gamma, 5e-5);
    expect(fromCsv.logLikelihood).toBeCloseTo(PUBLISHED_LOG_LIKELIHOOD, 2);
  });

  it('predicts spend as a credibility-weighted mean of population and customer', () => {
    const spend = conditionalExpectedAverageSpend(PUBLISHED, { x: 2, monetaryValue: 22.35 });
    const { p, q, gamma } = PUBLISHED;
    const populationMean = (p * gamma) / (q - 1);
    const weight = (p * 2) / (p * 2 + q - 1);
    expect(spend).toEqual({ ok: true, value: expect.any(Number) });
    if (spend.ok) expect(spend.value).toBeCloseTo((1 - weight) * populationMean + weight * 22.35, 10);
    expect(populationMeanSpend(PUBLISHED)).toEqual({ ok: true, value: populationMean });
    expect(conditionalExpectedAverageSpend(PUBLISHED, { x: 0, monetaryValue: 0 })).toEqual(populationMeanSpend(PUBLISHED));
  });
});

describe('Gamma-Gamma without a finite mean', () => {
  // Mean spends drawn (deterministically, by quantiles) from a Lomax law with
  // tail index 0.6 — the Gamma-Gamma marginal for x = 1 with q = 0.6 — so the
  // fitted q lands below 1 and the mean spend does not exist.
  const n = 400;
  const rows = Array.from({ length: n }, (_, i) => {
    const u = (i + 0.5) / n;
    return { x: 1 + (i % 3), monetaryValue: 20 * (Math.pow(1 - u, -1 / 0.6) - 1) };
  });

  it('fits but reports that the mean does not exist', () => {
    const result = fitGammaGamma(rows);
    expect(result).toMatchObject({ ok: false, reason: 'mean-does-not-exist', converged: true });
    if (result.ok || result.reason !== 'mean-does-not-exist') throw new Error('unexpected result');
    expect(result.estimate.params.q).toBeLessThanOrEqual(1);
    expect(result.message).toMatch(/q = .* <= 1/);
  });

  it('refuses to predict a population mean when q <= 1', () => {
    expect(populationMeanSpend({ p: 2, q: 0.8, gamma: 10 })).toMatchObject({
      ok: false,
      reason: 'mean-does-not-exist',
    });
    expect(conditionalExpectedAverageSpend({ p: 0.1, q: 0.5, gamma: 10 }, { x: 1, monetaryValue: 5 })).toMatchObject({
      ok: false,
      reason: 'mean-does-not-exist',
    });
  });
});

describe('fitGammaGamma input validation and likelihood', () => {
  it('needs repeat buyers with positive spend', () => {
    expect(fitGammaGamma([{ x: 0, monetaryValue: 0 }])).toMatchObject({ ok: false, reason: 'invalid-input' });
    expect(fitGammaGamma([{ x: 2, monetaryValue: 0 }])).toMatchObject({ ok: false, reason: 'invalid-input' });
  });

  it('ignores customers without repeat purchases', () => {
    const rows = [{ x: 3, monetaryValue: 12.5 }];
    expect(gammaGammaLogLikelihood(PUBLISHED, [...rows, { x: 0, monetaryValue: 0 }])).toBe(gammaGammaLogLikelihood(PUBLISHED, rows));
  });
});
