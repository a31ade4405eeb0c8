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
const MAX_BACKTRACKS = 60;
// When the line search cannot decrease f any more we are at the noise floor
// of the finite-difference gradient; accept the point only if the gradient
// is nonetheless small (this factor looser than the requested tolerance).
const NOISE_FLOOR_FACTOR = 1e3;

export function minimize(
  objective: ObjectiveFunction,
  start: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const maxIterations = options.maxIterations ?? 1000;
  const gradientTolerance = options.gradientTolerance ?? 1e-9;
  let functionEvaluations = 0;
  const f: ObjectiveFunction = (point) => {
    functionEvaluations++;
    const value = objective(point);
    // NaN or −∞ (outside the model's domain) must never look like progress.
    return Number.isNaN(value) || value === -Infinity ? Infinity : value;
  };
  const gradientOf = (point: readonly number[]) => numericalGradient(f, point);
  const isSmall = (g: readonly number[], fx: number, factor = 1) =>
    maxAbs(g) <= factor * gradientTolerance * Math.max(1, Math.abs(fx));

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
    return result(false, 0, 'objective is not finite at the starting point', x.map(() => NaN));
  }
  let gradient = gradientOf(x);
  let inverseHessian: Matrix = identity(x.length);
  let hessianIsIdentity = true;

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (isSmall(gradient, fx)) return result(true, iteration, 'gradient below tolerance', gradient);

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
      if (!hessianIsIdentity) {
        inverseHessian = identity(x.length);
        hessianIsIdentity = true;
        continue;
      }
      return isSmall(gradient, fx, NOISE_FLOOR_FACTOR)
        ? result(true, iteration + 1, 'no further decrease possible; gradient at its noise floor', gradient)
        : result(false, iteration + 1, 'line search failed to decrease the objective', gradient);
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
    x = candidate;
    fx = candidateValue;
    gradient = nextGradient;
  }
  return isSmall(gradient, fx)
    ? result(true, maxIterations, 'gradient below tolerance', gradient)
    : result(false, maxIterations, `did not converge in ${maxIterations} iterations`, gradient);
}

/** H⁺ = (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, with ρ = 1 / (yᵀ s). */
function bfgsUpdate(h: Matrix, s: readonly number[], y: readonly number[], sy: number): Matrix {
  const rho = 1 / sy;
  const hy = multiplyMatrixVector(h, y);
  const yhy = dot(y, hy);
  return h.map((row, i) =>
    row.map(
      (value, j) => value - rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j],
    ),
  );
}
