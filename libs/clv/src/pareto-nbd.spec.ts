import { cdnowSummaries, publishedCdnowSummary } from './__tests__/cdnow-fixture';
import { groupByFrequencyRecency } from './grouping';
import {
  fitParetoNbd,
  paretoNbdExpectedPurchasesConditional,
  paretoNbdExpectedPurchasesNewCustomer,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
  type ParetoNbdFitResult,
  type ParetoNbdParams,
} from './pareto-nbd';

// Fader, Hardie & Lee (2005, "Counting Your Customers the Easy Way", section
// 4) on the CDNOW sample, weeks, calibration 1997-01-01 .. 09-30.
const PUBLISHED: ParetoNbdParams = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
const PUBLISHED_LOG_LIKELIHOOD = -9595.0;

// Reference values at PUBLISHED computed with mpmath (30 digits) from the
// model's definition, not from the closed forms used here: the likelihood as
// E[λˣe^−(λ+μ)T] + ∫_{t_x}^T E[λˣe^−λτ]·E[μe^−μτ] dτ by quadrature, and
// E[Y(t)] as the posterior mean of λ(1 − e^−μt)/μ over the alive customers.
const customer1 = { x: 2, tx: 30.43, T: 38.86 };

function expectSuccess(fit: ParetoNbdFitResult) {
  if (!fit.ok) throw new Error(`fit failed: ${fit.message}`);
  return fit;
}

describe('fitParetoNbd on CDNOW (raw transactions → summary → fit)', () => {
  const fit = expectSuccess(fitParetoNbd(groupByFrequencyRecency(cdnowSummaries())));

  it('reproduces r 0.553, α 10.578, s 0.606, β 11.669 and LL −9595.0 to the published digits', () => {
    expect(fit.params.r).toBeCloseTo(PUBLISHED.r, 3);
    expect(fit.params.alpha).toBeCloseTo(PUBLISHED.alpha, 3);
    expect(fit.params.s).toBeCloseTo(PUBLISHED.s, 3);
    expect(fit.params.beta).toBeCloseTo(PUBLISHED.beta, 3);
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED_LOG_LIKELIHOOD, 1);
  });

  it('reports standard errors (β is poorly identified on CDNOW: its SE is about half of β)', () => {
    const se = fit.standardErrors;
    expect(se).not.toBeNull();
    for (const name of ['r', 'alpha', 's', 'beta'] as const) expect(se![name]).toBeGreaterThan(0);
    expect(se!.r).toBeLessThan(0.1);
    expect(se!.beta / fit.params.beta).toBeGreaterThan(0.3);
  });

  it('gives the same figures from the published (rounded) summary file', () => {
    const fromCsv = expectSuccess(fitParetoNbd(publishedCdnowSummary()));
    expect(fromCsv.params.r).toBeCloseTo(PUBLISHED.r, 3);
    expect(fromCsv.params.s).toBeCloseTo(PUBLISHED.s, 3);
    expect(fromCsv.logLikelihood).toBeCloseTo(PUBLISHED_LOG_LIKELIHOOD, 1);
  });

  it('rejects inconsistent rows', () => {
    expect(fitParetoNbd([])).toMatchObject({ ok: false, reason: 'invalid-input' });
    expect(fitParetoNbd([{ x: 0, tx: 3, T: 4 }])).toMatchObject({ ok: false, reason: 'invalid-input' });
  });
});

describe('paretoNbdLogLikelihood', () => {
  it.each([
    ['α < β (published fit)', PUBLISHED, customer1, -9.554283245150407],
    ['α < β, one-time buyer', PUBLISHED, { x: 0, tx: 0, T: 30 }, -0.48549884728141635],
    ['α < β, heavy buyer', PUBLISHED, { x: 50, tx: 30, T: 38 }, -44.877285133428224],
    ['α ≥ β (α and β swapped)', { ...PUBLISHED, alpha: 11.669, beta: 10.578 }, customer1, -9.599399675117127],
    ['α ≥ β, one-time buyer', { ...PUBLISHED, alpha: 11.669, beta: 10.578 }, { x: 0, tx: 0, T: 30 }, -0.44672559582589577],
    // z = (α − β)/α = 0.9999: the series needs ~10⁵ terms but converges.
    ['β ≪ α, one-time buyer', { ...PUBLISHED, beta: 0.001 }, { x: 0, tx: 0, T: 30 }, -0.004219813523768228],
    ['β ≪ α', { ...PUBLISHED, beta: 0.001 }, customer1, -15.022771672368398],
  ])('%s matches the quadrature of the model definition', (_, params, customer, expected) => {
    expect(paretoNbdLogLikelihood(params, [customer])).toBeCloseTo(expected, 10);
  });

  it('is continuous where the formula switches branch (α = β)', () => {
    const at = (alpha: number) => paretoNbdLogLikelihood({ ...PUBLISHED, alpha, beta: 11 }, [customer1]);
    expect(at(11 * (1 + 1e-12))).toBeCloseTo(at(11 * (1 - 1e-12)), 10);
  });

  it('weights rows and stays finite for very heavy buyers', () => {
    const row = { x: 3, tx: 20.1, T: 35.6 };
    expect(paretoNbdLogLikelihood(PUBLISHED, [{ ...row, weight: 3 }])).toBeCloseTo(paretoNbdLogLikelihood(PUBLISHED, [row, row, row]), 10);
    expect(Number.isFinite(paretoNbdLogLikelihood(PUBLISHED, [{ x: 5000, tx: 300, T: 310 }]))).toBe(true);
  });

  it('is NaN, not an exception, where a line search overflows a scale to infinity', () => {
    // Degenerate data (every customer with the same one repeat purchase) sent the optimiser there: the fit threw
    // "hypergeometric2F1UnitA: needs 0 <= z < 1, got z = NaN" and the analytics fit became FAILED instead of REJECTED.
    const row = { x: 1, tx: 10 / 7, T: 100 / 7 };
    expect(paretoNbdLogLikelihood({ r: 1e300, alpha: Infinity, s: 1e250, beta: Infinity }, [row])).toBeNaN();
    expect(paretoNbdLogLikelihood({ ...PUBLISHED, alpha: Infinity }, [row])).toBeNaN();
    expect(paretoNbdLogLikelihood({ ...PUBLISHED, s: 0 }, [row])).toBeNaN();
  });
});

describe('Pareto/NBD predictions at the published parameters', () => {
  it('customer 1: P(alive) 0.8692 and 1.4551 purchases in the next 39 weeks', () => {
    expect(paretoNbdProbabilityAlive(PUBLISHED, customer1)).toBeCloseTo(0.8691675591530111, 12);
    expect(paretoNbdExpectedPurchasesConditional(PUBLISHED, customer1, 39)).toBeCloseTo(1.4551231932576023, 10);
    const swapped = { ...PUBLISHED, alpha: 11.669, beta: 10.578 };
    expect(paretoNbdProbabilityAlive(swapped, customer1)).toBeCloseTo(0.8669234295147701, 12);
    expect(paretoNbdExpectedPurchasesConditional(swapped, customer1, 39)).toBeCloseTo(1.4153719431637966, 10);
  });

  it('a one-time buyer is not certainly alive, and less so the longer ago the purchase', () => {
    const oneTimeBuyer = (T: number) => ({ x: 0, tx: 0, T });
    expect(paretoNbdProbabilityAlive(PUBLISHED, oneTimeBuyer(10))).toBeCloseTo(0.6428115523493162, 12);
    expect(paretoNbdProbabilityAlive(PUBLISHED, oneTimeBuyer(30))).toBeCloseTo(0.3572527481096935, 12);
    expect(paretoNbdProbabilityAlive(PUBLISHED, oneTimeBuyer(60))).toBeCloseTo(0.20606187260277992, 12);
    expect(paretoNbdExpectedPurchasesConditional(PUBLISHED, oneTimeBuyer(30), 39)).toBeCloseTo(0.15307451495345342, 10);
    const values = [0, 1, 5, 20, 52, 104, 520].map((T) => paretoNbdProbabilityAlive(PUBLISHED, oneTimeBuyer(T)));
    expect(values[0]).toBe(1);
    values.slice(1).forEach((value, i) => expect(value).toBeLessThan(values[i]));
  });

  it('a customer who bought just now is alive; a heavy buyer gone quiet is probably not', () => {
    expect(paretoNbdProbabilityAlive(PUBLISHED, { x: 5, tx: 38.86, T: 38.86 })).toBe(1);
    expect(paretoNbdProbabilityAlive(PUBLISHED, { x: 26, tx: 30.86, T: 31 })).toBeCloseTo(0.9979187310551583, 12);
    expect(paretoNbdExpectedPurchasesConditional(PUBLISHED, { x: 26, tx: 30.86, T: 31 }, 39)).toBeCloseTo(20.117026077370504, 9);
    expect(paretoNbdProbabilityAlive(PUBLISHED, { x: 50, tx: 30, T: 38 })).toBeCloseTo(0.008649786805964545, 14);
  });

  it('a new customer: 1.2130 and 1.9094 purchases in 39 and 78 weeks', () => {
    expect(paretoNbdExpectedPurchasesNewCustomer(PUBLISHED, 39)).toBeCloseTo(1.2130028442810157, 10);
    expect(paretoNbdExpectedPurchasesNewCustomer(PUBLISHED, 78)).toBeCloseTo(1.909398129313685, 10);
    expect(paretoNbdExpectedPurchasesNewCustomer(PUBLISHED, 0)).toBe(0);
  });

  it('is continuous at s = 1, where the textbook formula is 0/0', () => {
    const at = (s: number) => paretoNbdExpectedPurchasesConditional({ ...PUBLISHED, s }, customer1, 39);
    expect(at(1)).toBeCloseTo((at(1 - 1e-6) + at(1 + 1e-6)) / 2, 9);
    expect(() => paretoNbdExpectedPurchasesConditional(PUBLISHED, customer1, -1)).toThrow(RangeError);
  });
});

describe('Pareto/NBD far from the CDNOW optimum (β ≪ α or α ≪ β)', () => {
  // A line search once stepped to β/α ≈ 1e-17: the ₂F₁ argument (α−β)/(α+t)
  // rounded to 1 at t = 0 and the fit threw instead of backing off.
  const oneTimeAndRepeat = [
    { x: 0, tx: 0, T: 30, weight: 40 },
    { x: 2, tx: 10, T: 30, weight: 5 },
  ];

  it('evaluates the likelihood where z rounds to 1 (t = 0, β/α = 1e-17), both branches', () => {
    for (const params of [
      { r: 0.5, alpha: 1e17, s: 0.6, beta: 1 },
      { r: 0.5, alpha: 1, s: 0.6, beta: 1e17 },
    ]) {
      expect(Number.isFinite(paretoNbdLogLikelihood(params, oneTimeAndRepeat))).toBe(true);
      const pAlive = paretoNbdProbabilityAlive(params, { x: 0, tx: 0, T: 30 });
      expect(pAlive).toBeGreaterThanOrEqual(0);
      expect(pAlive).toBeLessThanOrEqual(1);
    }
  });

  it('is continuous across the switch from the series to the integral (z = 0.95)', () => {
    // α ≥ β: z = (α−β)/(α+t_x) straddles 0.95 at t_x = 0 as β/α crosses 0.05.
    const row = [{ x: 3, tx: 0, T: 20 }];
    const series = paretoNbdLogLikelihood({ r: 0.7, alpha: 100, s: 0.4, beta: 5 + 1e-9 }, row);
    const integral = paretoNbdLogLikelihood({ r: 0.7, alpha: 100, s: 0.4, beta: 5 - 1e-9 }, row);
    expect(Math.abs(series - integral)).toBeLessThan(1e-8);
  });

  it('fits data whose optimiser path crosses that region without throwing', () => {
    expect(() => fitParetoNbd(oneTimeAndRepeat, { initial: { r: 0.5, alpha: 1e15, s: 0.6, beta: 1 } })).not.toThrow();
  });
});
