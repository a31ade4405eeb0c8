// Finite-difference derivatives. Analytic gradients would need digamma
// functions and a second hand-derived function per model to keep in sync
// with its likelihood; with at most four parameters, central differences
// (error O(h²)) are accurate enough and cost only 2n evaluations.

import type { Matrix, Vector } from './linear-algebra';

export type ObjectiveFunction = (x: readonly number[]) => number;

// Step sizes balancing truncation error against rounding error:
// ε^(1/3) for first derivatives, ε^(1/4) for second derivatives.
const GRADIENT_STEP = Math.cbrt(Number.EPSILON);
const HESSIAN_STEP = Math.pow(Number.EPSILON, 0.25);

function stepFor(value: number, relativeStep: number): number {
  return relativeStep * Math.max(1, Math.abs(value));
}

/** Central-difference gradient (2n function evaluations). */
export function numericalGradient(f: ObjectiveFunction, x: readonly number[]): Vector {
  const point = [...x];
  return x.map((value, i) => {
    const h = stepFor(value, GRADIENT_STEP);
    point[i] = value + h;
    const forward = f(point);
    point[i] = value - h;
    const backward = f(point);
    point[i] = value;
    return (forward - backward) / (2 * h);
  });
}

/** Central-difference Hessian (symmetric by construction). */
export function numericalHessian(f: ObjectiveFunction, x: readonly number[]): Matrix {
  const n = x.length;
  const steps = x.map((value) => stepFor(value, HESSIAN_STEP));
  const centre = f(x);
  const evaluateAt = (offsets: ReadonlyArray<[number, number]>): number => {
    const point = [...x];
    for (const [index, sign] of offsets) point[index] += sign * steps[index];
    return f(point);
  };
  const hessian: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const plus = evaluateAt([[i, 1]]);
    const minus = evaluateAt([[i, -1]]);
    hessian[i][i] = (plus - 2 * centre + minus) / (steps[i] * steps[i]);
    for (let j = 0; j < i; j++) {
      const value =
        (evaluateAt([
          [i, 1],
          [j, 1],
        ]) -
          evaluateAt([
            [i, 1],
            [j, -1],
          ]) -
          evaluateAt([
            [i, -1],
            [j, 1],
          ]) +
          evaluateAt([
            [i, -1],
            [j, -1],
          ])) /
        (4 * steps[i] * steps[j]);
      hessian[i][j] = value;
      hessian[j][i] = value;
    }
  }
  return hessian;
}
