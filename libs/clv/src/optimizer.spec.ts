import { invertSymmetricPositiveDefinite } from './linear-algebra';
import { fitPositiveParameters } from './maximum-likelihood';
import { numericalGradient, numericalHessian } from './numerical-derivatives';
import { minimize } from './optimizer';

const rosenbrock = ([x, y]: readonly number[]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;

describe('minimize (BFGS)', () => {
  it('finds the minimum of the Rosenbrock valley', () => {
    const result = minimize(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
    expect(result.fx).toBeLessThan(1e-10);
    expect(result.iterations).toBeLessThan(200);
  });

  it('minimises an ill-scaled quadratic in four dimensions', () => {
    const centre = [3, -2, 0.5, 10];
    const scales = [1e-2, 1, 1e2, 1e4];
    const quadratic = (x: readonly number[]) => x.reduce((sum, value, i) => sum + scales[i] * (value - centre[i]) ** 2, 0);
    const result = minimize(quadratic, [0, 0, 0, 0]);
    expect(result.converged).toBe(true);
    result.x.forEach((value, i) => expect(value).toBeCloseTo(centre[i], 4));
  });

  it('reports non-convergence when the iteration budget runs out', () => {
    const result = minimize(rosenbrock, [-1.2, 1], { maxIterations: 2 });
    expect(result).toMatchObject({ converged: false, iterations: 2 });
    expect(result.message).toMatch(/did not converge in 2 iterations/);
  });

  it('refuses to start where the objective is not finite', () => {
    const result = minimize(() => NaN, [0]);
    expect(result.converged).toBe(false);
    expect(result.message).toMatch(/not finite/);
  });

  it('treats NaN as +∞ so it backtracks out of the invalid region', () => {
    // ln-barrier: undefined for x <= 0, minimum at x = 1.
    const result = minimize(([x]) => x - Math.log(x), [5]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
  });
});

describe('numerical derivatives', () => {
  const f = ([x, y]: readonly number[]) => Math.exp(x) * Math.sin(y) + x * x * y;

  it('gradient and Hessian match the analytic ones', () => {
    const [x, y] = [0.3, 1.1];
    const gradient = numericalGradient(f, [x, y]);
    expect(gradient[0]).toBeCloseTo(Math.exp(x) * Math.sin(y) + 2 * x * y, 8);
    expect(gradient[1]).toBeCloseTo(Math.exp(x) * Math.cos(y) + x * x, 8);
    const hessian = numericalHessian(f, [x, y]);
    expect(hessian[0][0]).toBeCloseTo(Math.exp(x) * Math.sin(y) + 2 * y, 5);
    expect(hessian[0][1]).toBeCloseTo(Math.exp(x) * Math.cos(y) + 2 * x, 5);
    expect(hessian[1][0]).toBe(hessian[0][1]);
    expect(hessian[1][1]).toBeCloseTo(-Math.exp(x) * Math.sin(y), 5);
  });
});

describe('invertSymmetricPositiveDefinite', () => {
  it('inverts a positive-definite matrix and rejects an indefinite one', () => {
    const m = [
      [4, 2, 0.4],
      [2, 3, 0.5],
      [0.4, 0.5, 2],
    ];
    const inverse = invertSymmetricPositiveDefinite(m);
    expect(inverse).not.toBeNull();
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const product = m[i].reduce((sum, value, k) => sum + value * inverse![k][j], 0);
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(
      invertSymmetricPositiveDefinite([
        [1, 2],
        [2, 1],
      ]),
    ).toBeNull();
  });
});

describe('fitPositiveParameters', () => {
  // Exponential sample with known MLE: rate = n / Σx, SE = rate / √n.
  const sample = [0.2, 1.4, 0.7, 3.1, 0.05, 0.9, 2.2, 0.4];
  const total = sample.reduce((a, b) => a + b, 0);
  const logLikelihood = ({ rate }: { rate: number }) => sample.length * Math.log(rate) - rate * total;

  it('recovers the maximum-likelihood estimate and its standard error', () => {
    const fit = fitPositiveParameters(['rate'], logLikelihood, { rate: 1 });
    if (!fit.ok) throw new Error(fit.message);
    const rate = sample.length / total;
    // Converged means "within ~1e-5 standard errors", not to the last digit.
    expect(fit.params.rate).toBeCloseTo(rate, 5);
    expect(fit.standardErrors?.rate).toBeCloseTo(rate / Math.sqrt(sample.length), 5);
  });

  it('returns no numbers when it does not converge', () => {
    const fit = fitPositiveParameters(['rate'], logLikelihood, { rate: 1e6 }, { maxIterations: 1 });
    expect(fit).toMatchObject({ ok: false, reason: 'not-converged', converged: false });
    expect(fit).not.toHaveProperty('params');
  });
});
