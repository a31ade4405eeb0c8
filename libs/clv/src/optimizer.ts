// Unconstrained minimisation by BFGS (quasi-Newton) with a central-difference
// gradient and a backtracking Armijo line search. The models fit at most four
// parameters in log space, so a dense inverse-Hessian approximation is tiny,
// and BFGS converges in tens of iterations where Nelder–Mead needs hundreds.

import { dot, identity, maxAbs, multiplyMatrixVector, type Matrix } from './linear-algebra';
import { numericalGradient, type ObjectiveFunction } from './numerical-derivatives';

export interface MinimizeOptions {
  /** Maximum number of BFGS iterations (line searches). Default 1000. */
  readonly maxIterations?: number;
  /**
   * Converged when every gradient component is at most this fraction of
   * max(1, |f|). Relative, because log-likelihoods are sums over customers
   * and their rounding noise (and hence the reachable gradient) grows with
   * the data. Default 1e-9.
   */
  readonly gradientTolerance?: number;
  /**
   * Also converged when the quasi-Newton model predicts that the remaining
   * decrease, ½ gᵀH⁻¹g, is at most this fraction of max(1, |f|). For a
   * negative log-likelihood this bounds each parameter's remaining error to
   * about √(2·tol·|f|) standard errors, independent of how ill-conditioned
   * the problem is (where the gradient test alone may never be met in double
   * precision). Default 1e-12.
   */
  readonly decreaseTolerance?: number;
}

export interface MinimizeResult {
  readonly x: number[];
  readonly fx: number;
  readonly gradient: number[];
  readonly iterations: number;
  readonly functionEvaluations: number;
  readonly converged: boolean;
  readonly message: string;
}

const ARMIJO_SUFFICIENT_DECREASE = 1e-4;
const MAX_BACKTRACKS = 50;
// When f stops decreasing we have reached the rounding noise of f and of its
// finite-difference gradient. The point is accepted only if it nearly meets
// the convergence tests anyway (within this factor); otherwise the search
// is stuck somewhere that is not an optimum and we say so.
const NOISE_FLOOR_FACTOR = 1e3;
// Relative decrease per iteration below which an iteration counts as stalled
// (a few hundred ulps), and how many stalled iterations in a row end the search.
const STALLED_DECREASE = 1e-14;
const MAX_STALLED_ITERATIONS = 3;

export function minimize(objective: ObjectiveFunction, start: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  const maxIterations = options.maxIterations ?? 1000;
  const gradientTolerance = options.gradientTolerance ?? 1e-9;
  const decreaseTolerance = options.decreaseTolerance ?? 1e-12;
  let functionEvaluations = 0;
  const f: ObjectiveFunction = (point) => {
    functionEvaluations++;
    const value = objective(point);
    // NaN or −∞ (outside the model's domain) must never look like progress.
    return Number.isNaN(value) || value === -Infinity ? Infinity : value;
  };
  const gradientOf = (point: readonly number[]) => numericalGradient(f, point);
  let inverseHessian: Matrix = identity(start.length);
  let hessianIsIdentity = true;
  const isConverged = (g: readonly number[], fx: number, factor = 1): boolean => {
    const scale = Math.max(1, Math.abs(fx));
    if (maxAbs(g) <= factor * gradientTolerance * scale) return true;
    // The predicted decrease needs curvature information: not with H = I.
    if (hessianIsIdentity) return false;
    const predictedDecrease = 0.5 * dot(g, multiplyMatrixVector(inverseHessian, g));
    return predictedDecrease >= 0 && predictedDecrease <= factor * decreaseTolerance * scale;
  };

  let x = [...start];
  let fx = f(x);
  const result = (converged: boolean, iterations: number, message: string, gradient: number[]) => ({
    x,
    fx,
    gradient,
    iterations,
    functionEvaluations,
    converged,
    message,
  });
  if (!Number.isFinite(fx)) {
    return result(
      false,
      0,
      'objective is not finite at the starting point',
      x.map(() => NaN),
    );
  }
  let gradient = gradientOf(x);
  let stalledIterations = 0;
  const atNoiseFloor = (iterations: number, why: string) =>
    isConverged(gradient, fx, NOISE_FLOOR_FACTOR)
      ? result(true, iterations, `${why}; converged to rounding precision`, gradient)
      : result(false, iterations, `${why} before reaching an optimum`, gradient);

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (isConverged(gradient, fx)) return result(true, iteration, 'converged', gradient);

    let direction = multiplyMatrixVector(inverseHessian, gradient).map((v) => -v);
    if (dot(direction, gradient) >= 0) {
      // Not a descent direction (approximation has lost positive
      // definiteness): fall back to steepest descent.
      inverseHessian = identity(x.length);
      hessianIsIdentity = true;
      direction = gradient.map((v) => -v);
    }
    // A steepest-descent step on an unscaled gradient can be enormous in log
    // space (e^1000); cap the first trial step to move at most one unit.
    let stepLength = hessianIsIdentity ? Math.min(1, 1 / maxAbs(direction)) : 1;
    const slope = dot(gradient, direction);
    let candidate: number[] | null = null;
    let candidateValue = Infinity;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      const trial = x.map((value, i) => value + stepLength * direction[i]);
      const trialValue = f(trial);
      if (trialValue <= fx + ARMIJO_SUFFICIENT_DECREASE * stepLength * slope) {
        candidate = trial;
        candidateValue = trialValue;
        break;
      }
      stepLength /= 2;
    }

    if (candidate === null) {
      // Judge with the curvature we have learnt before discarding it.
      if (isConverged(gradient, fx, NOISE_FLOOR_FACTOR)) {
        return atNoiseFloor(iteration + 1, 'line search could not decrease the objective');
      }
      if (!hessianIsIdentity) {
        // A stale approximation can point nowhere useful: retry downhill.
        inverseHessian = identity(x.length);
        hessianIsIdentity = true;
        continue;
      }
      return atNoiseFloor(iteration + 1, 'line search could not decrease the objective');
    }

    const nextGradient = gradientOf(candidate);
    const s = candidate.map((value, i) => value - x[i]);
    const y = nextGradient.map((value, i) => value - gradient[i]);
    const sy = dot(s, y);
    // Curvature condition: only update when it keeps the approximation
    // positive definite.
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (hessianIsIdentity) {
        // Nocedal & Wright (6.20): scale the initial approximation.
        inverseHessian = identity(x.length, sy / dot(y, y));
        hessianIsIdentity = false;
      }
      inverseHessian = bfgsUpdate(inverseHessian, s, y, sy);
    }
    const relativeDecrease = (fx - candidateValue) / Math.max(1, Math.abs(fx));
    x = candidate;
    fx = candidateValue;
    gradient = nextGradient;
    stalledIterations = relativeDecrease < STALLED_DECREASE ? stalledIterations + 1 : 0;
    if (stalledIterations >= MAX_STALLED_ITERATIONS) {
      return atNoiseFloor(iteration + 1, 'objective stopped decreasing');
    }
  }
  return isConverged(gradient, fx)
    ? result(true, maxIterations, 'converged', gradient)
    : result(false, maxIterations, `did not converge in ${maxIterations} iterations`, gradient);
}

/** H⁺ = (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, with ρ = 1 / (yᵀ s). */
function bfgsUpdate(h: Matrix, s: readonly number[], y: readonly number[], sy: number): Matrix {
  const rho = 1 / sy;
  const hy = multiplyMatrixVector(h, y);
  const yhy = dot(y, hy);
  return h.map((row, i) => row.map((value, j) => value - rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]));
}
