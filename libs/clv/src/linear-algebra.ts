// The few dense linear-algebra operations the optimiser and the standard
// errors need, on tiny matrices (≤ 4×4 for every model here).

export type Vector = number[];
export type Matrix = number[][];

export function dot(u: readonly number[], v: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += u[i] * v[i];
  return sum;
}

export function identity(size: number, scale = 1): Matrix {
  return Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => (i === j ? scale : 0)));
}

export function multiplyMatrixVector(m: readonly (readonly number[])[], v: readonly number[]): Vector {
  return m.map((row) => dot(row, v));
}

export function maxAbs(v: readonly number[]): number {
  let max = 0;
  for (const value of v) max = Math.max(max, Math.abs(value));
  return max;
}

/**
 * Inverse of a symmetric positive-definite matrix via Cholesky, or null when
 * the matrix is not positive definite. For a Hessian of a negative
 * log-likelihood, "not positive definite" means the optimum is not a strict
 * local minimum and the standard errors would be meaningless.
 */
export function invertSymmetricPositiveDefinite(m: readonly (readonly number[])[]): Matrix | null {
  const n = m.length;
  const lower: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = m[i][j];
      for (let k = 0; k < j; k++) sum -= lower[i][k] * lower[j][k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return null;
        lower[i][i] = Math.sqrt(sum);
      } else {
        lower[i][j] = sum / lower[j][j];
      }
    }
  }
  // Solve L Lᵀ X = I one column at a time.
  const inverse: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let column = 0; column < n; column++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= lower[i][k] * y[k];
      y[i] = sum / lower[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i];
      for (let k = i + 1; k < n; k++) sum -= lower[k][i] * inverse[k][column];
      inverse[i][column] = sum / lower[i][i];
    }
  }
  return inverse;
}
