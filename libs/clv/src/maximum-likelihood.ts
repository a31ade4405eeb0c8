// Shared maximum-likelihood machinery: every model here has strictly
// positive parameters, so we optimise over φ = ln θ (unconstrained, and
// better conditioned since the parameters span orders of magnitude), then
// report θ = e^φ with delta-method standard errors.

import { invertSymmetricPositiveDefinite } from './linear-algebra';
import { numericalHessian } from './numerical-derivatives';
import { minimize } from './optimizer';

export interface FitOptions {
  /** Maximum BFGS iterations. Default 1000. */
  readonly maxIterations?: number;
  /** Relative gradient tolerance, see MinimizeOptions. Default 1e-9. */
  readonly gradientTolerance?: number;
}

export interface FitSuccess<P> {
  readonly ok: true;
  readonly params: P;
  readonly logLikelihood: number;
  /**
   * Asymptotic standard errors from the inverse observed information; null
   * when the Hessian is not positive definite (flat or saddle optimum).
   */
  readonly standardErrors: P | null;
  readonly iterations: number;
  readonly converged: true;
  readonly message: string;
}

export interface FitFailure {
  readonly ok: false;
  readonly reason: 'not-converged' | 'invalid-input';
  readonly message: string;
  readonly iterations: number;
  readonly converged: false;
}

export type FitResult<P> = FitSuccess<P> | FitFailure;

export function invalidInput(message: string): FitFailure {
  return { ok: false, reason: 'invalid-input', message, iterations: 0, converged: false };
}

/**
 * Maximise `logLikelihood` over positive parameters named `names`, starting
 * from `initial`. Returns a failure (never numbers) when the optimiser does
 * not converge, because unconverged parameters look plausible and are wrong.
 */
export function fitPositiveParameters<K extends string>(
  names: readonly K[],
  logLikelihood: (params: Record<K, number>) => number,
  initial: Record<K, number>,
  options: FitOptions = {},
): FitResult<Record<K, number>> {
  const toParams = (logParams: readonly number[]): Record<K, number> =>
    Object.fromEntries(names.map((name, i) => [name, Math.exp(logParams[i])])) as Record<K, number>;
  const negativeLogLikelihood = (logParams: readonly number[]) => -logLikelihood(toParams(logParams));

  const start = names.map((name) => Math.log(initial[name]));
  const optimum = minimize(negativeLogLikelihood, start, options);
  if (!optimum.converged) {
    return {
      ok: false,
      reason: 'not-converged',
      message: `maximum-likelihood fit did not converge: ${optimum.message}`,
      iterations: optimum.iterations,
      converged: false,
    };
  }
  const params = toParams(optimum.x);
  return {
    ok: true,
    params,
    logLikelihood: -optimum.fx,
    standardErrors: standardErrorsByDeltaMethod(names, negativeLogLikelihood, optimum.x, params),
    iterations: optimum.iterations,
    converged: true,
    message: optimum.message,
  };
}

/**
 * The inverse Hessian of −LL in φ = ln θ space is Cov(φ̂); since θ = e^φ,
 * the delta method gives SE(θ̂ᵢ) = θ̂ᵢ · SE(φ̂ᵢ). At the optimum this equals
 * the natural-space observed-information result (the gradient term vanishes).
 */
function standardErrorsByDeltaMethod<K extends string>(
  names: readonly K[],
  negativeLogLikelihood: (logParams: readonly number[]) => number,
  logParams: readonly number[],
  params: Record<K, number>,
): Record<K, number> | null {
  const covariance = invertSymmetricPositiveDefinite(numericalHessian(negativeLogLikelihood, logParams));
  if (covariance === null) return null;
  return Object.fromEntries(names.map((name, i) => [name, params[name] * Math.sqrt(covariance[i][i])])) as Record<K, number>;
}
