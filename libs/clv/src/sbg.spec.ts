import {
  discountedExpectedResidualLifetime,
  fitSbg,
  projectSurvivors,
  sbgChurnHazard,
  sbgChurnProbability,
  sbgLogLikelihood,
  sbgRetentionRate,
  sbgSurvival,
  sbgSurvivalCurve,
  type SbgParams,
} from './sbg';

// Fader & Hardie (2007), "How to Project Customer Retention", and ANALYTICS.md.
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491];

function fitted(survivors: readonly number[]): SbgParams {
  const fit = fitSbg(survivors);
  if (!fit.ok) throw new Error(fit.message);
  return fit.params;
}

describe('fitSbg', () => {
  it('regular cohort: α = 0.704, β = 1.182, LL = −1680.27', () => {
    const fit = fitSbg(REGULAR);
    if (!fit.ok) throw new Error(fit.message);
    expect(fit.params.alpha).toBeCloseTo(0.704, 3);
    expect(fit.params.beta).toBeCloseTo(1.182, 3);
    expect(fit.logLikelihood).toBeCloseTo(-1680.27, 2);
    expect(fit.standardErrors).not.toBeNull();
  });

  it('high-end cohort: α = 0.668, β = 3.806, LL = −1611.16', () => {
    const fit = fitSbg(HIGH_END);
    if (!fit.ok) throw new Error(fit.message);
    expect(fit.params.alpha).toBeCloseTo(0.668, 3);
    expect(fit.params.beta).toBeCloseTo(3.806, 3);
    expect(fit.logLikelihood).toBeCloseTo(-1611.16, 2);
  });

  it('projects the regular cohort’s survivors in years 8–12: 220, 204, 191, 180, 170', () => {
    const projection = projectSurvivors(fitted(REGULAR), 1000, 8, 12).map(Math.round);
    expect(projection).toEqual([220, 204, 191, 180, 170]);
  });

  it('rejects counts that increase or a missing cohort size', () => {
    expect(fitSbg([1000])).toMatchObject({ ok: false, reason: 'invalid-input' });
    expect(fitSbg([1000, 600, 700])).toMatchObject({ ok: false, reason: 'invalid-input' });
    expect(fitSbg([0, 0])).toMatchObject({ ok: false, reason: 'invalid-input' });
  });

  it('reports non-convergence', () => {
    expect(fitSbg(REGULAR, { maxIterations: 1 })).toMatchObject({ ok: false, reason: 'not-converged' });
  });
});

describe('sBG survival and retention', () => {
  const params: SbgParams = { alpha: 0.704, beta: 1.182 };

  it('survival, churn probability and retention rate are consistent', () => {
    const curve = sbgSurvivalCurve(params, 10);
    expect(curve[0]).toBe(1);
    for (let t = 1; t <= 10; t++) {
      expect(curve[t - 1] - curve[t]).toBeCloseTo(sbgChurnProbability(params, t), 12);
      expect(curve[t] / curve[t - 1]).toBeCloseTo(sbgRetentionRate(params, t), 12);
    }
  });

  it('retention rates rise over time (heterogeneity: the worst leave first)', () => {
    const rates = [1, 2, 5, 10].map((t) => sbgRetentionRate(params, t));
    rates.slice(1).forEach((rate, i) => expect(rate).toBeGreaterThan(rates[i]));
  });

  it('the log-likelihood counts the last survivors as censored', () => {
    const expected =
      200 * Math.log(sbgChurnProbability(params, 1)) +
      100 * Math.log(sbgChurnProbability(params, 2)) +
      700 * Math.log(sbgSurvival(params, 2));
    expect(sbgLogLikelihood(params, [1000, 800, 700])).toBeCloseTo(expected, 9);
  });
});

describe('sBG churn hazard (risk of cancelling in period t)', () => {
  it('is 1 − r_t and the conditional churn probability P(T = t | T > t − 1)', () => {
    const params: SbgParams = { alpha: 0.704, beta: 1.182 };
    for (let t = 1; t <= 12; t++) {
      expect(sbgChurnHazard(params, t) + sbgRetentionRate(params, t)).toBeCloseTo(1, 14);
      expect(sbgChurnHazard(params, t)).toBeCloseTo(sbgChurnProbability(params, t) / sbgSurvival(params, t - 1), 12);
    }
  });

  it('at the published fits (FH 2007): regular α 0.704, β 1.182 → h_1 = 0.373; high end α 0.668, β 3.806 → h_1 = 0.149', () => {
    expect(sbgChurnHazard({ alpha: 0.704, beta: 1.182 }, 1)).toBeCloseTo(0.704 / 1.886, 12);
    expect(sbgChurnHazard({ alpha: 0.704, beta: 1.182 }, 1)).toBeCloseTo(0.3733, 4);
    expect(sbgChurnHazard({ alpha: 0.668, beta: 3.806 }, 1)).toBeCloseTo(0.1493, 4);
    // Year 8 (after 7 renewals): 0.704 / (1.886 + 7) and 0.668 / (4.474 + 7).
    expect(sbgChurnHazard({ alpha: 0.704, beta: 1.182 }, 8)).toBeCloseTo(0.0792, 4);
    expect(sbgChurnHazard({ alpha: 0.668, beta: 3.806 }, 8)).toBeCloseTo(0.0582, 4);
  });

  it('compounded over years 8–12 from the fitted regular cohort, reproduces the paper’s projection 220, 204, 191, 180, 170', () => {
    const params = fitted(REGULAR);
    let survivors = 1000 * sbgSurvival(params, 7);
    const projected: number[] = [];
    for (let t = 8; t <= 12; t++) {
      survivors *= 1 - sbgChurnHazard(params, t);
      projected.push(Math.round(survivors));
    }
    expect(projected).toEqual([220, 204, 191, 180, 170]);
  });

  it('falls over time for both cohorts (the worst leave first)', () => {
    for (const params of [fitted(REGULAR), fitted(HIGH_END)]) {
      const hazards = Array.from({ length: 12 }, (_, i) => sbgChurnHazard(params, i + 1));
      hazards.slice(1).forEach((h, i) => expect(h).toBeLessThan(hazards[i]));
    }
  });
});

describe('discountedExpectedResidualLifetime (Fader & Hardie 2010)', () => {
  const params: SbgParams = { alpha: 0.668, beta: 3.806 };

  it.each([0, 1, 4])('equals the discounted sum of conditional survival after %p renewals', (renewals) => {
    const d = 0.1;
    const n = renewals + 1;
    let sum = 0;
    for (let t = n; t < n + 5000; t++) {
      sum += sbgSurvival(params, t) / sbgSurvival(params, n - 1) / Math.pow(1 + d, t - n);
    }
    expect(discountedExpectedResidualLifetime(params, d, renewals)).toBeCloseTo(sum, 9);
  });

  it('approaches the homogeneous value r(1+d)/(1+d−r) when θ barely varies', () => {
    // Beta(α, β) with α, β → ∞ at fixed ratio concentrates θ at α/(α+β).
    const retention = 0.8;
    const d = 0.1;
    const derl = discountedExpectedResidualLifetime({ alpha: 2e5, beta: 8e5 }, d, 3);
    expect(derl).toBeCloseTo((retention * (1 + d)) / (1 + d - retention), 3);
  });

  it('grows with tenure: surviving customers are the better ones', () => {
    const values = [0, 1, 4, 10].map((renewals) => discountedExpectedResidualLifetime(params, 0.1, renewals));
    values.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(values[i]));
  });

  it('needs a positive discount rate', () => {
    expect(() => discountedExpectedResidualLifetime(params, 0, 1)).toThrow(RangeError);
  });
});
