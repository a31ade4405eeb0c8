import {
  hypergeometric2F1,
  hypergeometric2F1UnitA,
  logAddExp,
  logBeta,
  logGamma,
  logPowerProductIntegral,
  logSumExp,
} from './special-functions';

// Reference values computed with mpmath at 30 significant digits.
describe('logGamma', () => {
  it.each([
    [0.5, 0.5723649429247001], // ln √π
    [1e-5, 11.512919692895826],
    [0.1, 2.252712651734206],
    [1, 0],
    [2, 0],
    [3, Math.LN2],
    [10, 12.801827480081469], // ln 9!
    [100, 359.1342053695754],
    [1000.5, 5908.674175848678],
    [1e6, 12815504.569147611],
    [0.2426, 1.3197854750907922],
    [2.4258, 0.23387488547409757],
    [-0.5, 1.2655121234846454], // ln |Γ(−½)| = ln 2√π
    [-2.5, -0.056243716497674054],
  ])('ln Γ(%p) = %p to double precision', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThanOrEqual(2e-14 * Math.max(1, Math.abs(expected)));
  });

  it('satisfies Γ(x+1) = x Γ(x) across magnitudes', () => {
    for (const x of [1e-8, 0.3, 1.7, 12.5, 345.6, 7e4]) {
      // Allow a few ulps of the larger operand: the difference cancels.
      const tolerance = 8 * Number.EPSILON * Math.max(1, Math.abs(logGamma(x + 1)));
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThanOrEqual(tolerance);
    }
  });

  it('is infinite at the poles and NaN for NaN', () => {
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-3)).toBe(Infinity);
    expect(logGamma(NaN)).toBeNaN();
    expect(logGamma(Infinity)).toBe(Infinity);
  });
});

describe('logBeta', () => {
  it('matches a reference value and the closed form B(1, b) = 1/b', () => {
    expect(logBeta(0.7929, 2.4258)).toBeCloseTo(-0.5113026707535429, 13);
    expect(logBeta(1, 4)).toBeCloseTo(-Math.log(4), 14);
    expect(logBeta(2.5, 0.3)).toBeCloseTo(logBeta(0.3, 2.5), 14);
  });
});

describe('logSumExp / logAddExp', () => {
  it('equals the naive formula where that is representable', () => {
    expect(logSumExp([1, 2, 3])).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 14);
    expect(logAddExp(-1.5, 0.25)).toBeCloseTo(Math.log(Math.exp(-1.5) + Math.exp(0.25)), 14);
  });

  it('does not overflow or underflow where the naive formula would', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logAddExp(-1000, -1000)).toBeCloseTo(-1000 + Math.LN2, 12);
    expect(logAddExp(-Infinity, -5)).toBe(-5);
    expect(logSumExp([])).toBe(-Infinity);
  });
});

describe('hypergeometric2F1', () => {
  it.each([
    [0.5, 1.5, 2.5, 0.3, 1.108062551056932],
    [1.2426, 3.4258, 5.2187, 0.47, 1.6177944595544276], // BG/NBD-shaped arguments
    [0.2426, 2.4258, 2.2187, 0.946, 2.3803527166208562], // E[X(78)], z near 1, c − a − b < 0
    [1, 7.4258, 8.2187, 1 / 1.1, 6.719425477535068], // sBG DERL at d = 10 %
    [2, 3, 4, -0.6, 0.48601029872956797], // alternating
    [10.5, 4.25, 12.1, 0.8, 254.74780571640667], // terms grow before they shrink
  ])('₂F₁(%p, %p; %p; %p) = %p', (a, b, c, z, expected) => {
    expect(Math.abs(hypergeometric2F1(a, b, c, z) - expected) / expected).toBeLessThan(1e-13);
  });

  it('reduces to elementary functions in the classical special cases', () => {
    const z = 0.37;
    expect(hypergeometric2F1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 14);
    expect(hypergeometric2F1(2.3, 0.7, 0.7, z)).toBeCloseTo(Math.pow(1 - z, -2.3), 14);
    expect(hypergeometric2F1(0.5, 0.5, 1.5, z * z)).toBeCloseTo(Math.asin(z) / z, 14);
    expect(hypergeometric2F1(-2, 3, 4, z)).toBeCloseTo(1 - 1.5 * z + 0.6 * z * z, 14); // polynomial
  });

  it('rejects arguments outside the series domain', () => {
    expect(() => hypergeometric2F1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hypergeometric2F1(1, 1, -2, 0.5)).toThrow(RangeError);
  });
});

describe('hypergeometric2F1UnitA (the Pareto/NBD form ₂F₁(1, b; c; z))', () => {
  // mpmath hyp2f1 at 30 digits.
  it.each([
    [2.5, 4.1, 0.3, 1.2314809566020457],
    [0.6, 51.2, 0.99, 1.0119718659511707],
    [300.55, 301.5, 0.999, 382.71067668282257],
    [0.553, 2.159, 1 - 10.578 / 11.669, 1.025115951278038],
  ])('₂F₁(1, %p; %p; %p) = %p', (b, c, z, expected) => {
    // Relative: near z = 1 tens of thousands of terms add a little rounding each.
    expect(Math.abs(hypergeometric2F1UnitA(b, c, z) / expected - 1)).toBeLessThan(1e-12);
    expect(Math.abs(hypergeometric2F1UnitA(b, c, z) / hypergeometric2F1(1, b, c, z) - 1)).toBeLessThan(1e-12);
  });

  it('is 1 at z = 0, NaN when z is too close to 1 for the term budget, and refuses bad parameters', () => {
    expect(hypergeometric2F1UnitA(2, 3, 0)).toBe(1);
    expect(hypergeometric2F1UnitA(2, 3, 1 - 1e-9, 1000)).toBeNaN();
    expect(() => hypergeometric2F1UnitA(3, 2, 0.5)).toThrow(RangeError);
    expect(() => hypergeometric2F1UnitA(2, 3, 1)).toThrow(RangeError);
  });
});

describe('logPowerProductIntegral: ln ∫₀^∞ (a+u)^−p (b+u)^−q du', () => {
  // Where both apply (z = 1 − b/a ≤ 0.95) the ₂F₁ form is exact:
  // ∫ = a^−p b^(1−q) ₂F₁(1, p; p+q; 1 − b/a) / (p+q−1).
  const viaSeries = (p: number, q: number, a: number, b: number) =>
    -p * Math.log(a) - (q - 1) * Math.log(b) + Math.log(hypergeometric2F1UnitA(p, p + q, 1 - b / a)) - Math.log(p + q - 1);

  it.each([
    [0.5, 1.6, 10, 1],
    [0.05, 1.02, 20, 2],
    [250.3, 1.6, 40, 30],
    [3.2, 2.5, 1, 1],
    [0.7, 1.4, 100, 95],
  ])('agrees with the ₂F₁ series for p = %s, q = %s, a = %s, b = %s', (p, q, a, b) => {
    expect(logPowerProductIntegral(p, q, a, b)).toBeCloseTo(viaSeries(p, q, a, b), 11);
    // The integrand is symmetric in (p, a) ↔ (q, b).
    expect(logPowerProductIntegral(q, p, b, a)).toBeCloseTo(viaSeries(p, q, a, b), 11);
  });

  it('tends to a^−p b^(1−q)/(q−1) as b/a → 0, where the series argument rounds to 1', () => {
    const [p, q, a, b] = [0.5, 1.6, 1e20, 1];
    expect(logPowerProductIntegral(p, q, a, b)).toBeCloseTo(-p * Math.log(a) - Math.log(q - 1), 9);
  });

  it('is NaN (not an exception) outside its domain', () => {
    expect(logPowerProductIntegral(0.2, 0.3, 1, 1)).toBeNaN();
    expect(logPowerProductIntegral(1, 1, 0, 1)).toBeNaN();
  });
});
