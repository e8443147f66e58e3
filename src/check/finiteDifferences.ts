// Numerical derivatives and error measures for checking hand-written gradients.

/**
 * Central finite differences in float64: ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h.
 * `f` reads `x` in place and returns a scalar; `x` is restored after each probe.
 */
export function numericalGradient(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const gradient = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const above = x[i];
    const plus = f();
    x[i] = saved - h;
    const below = x[i];
    const minus = f();
    x[i] = saved;
    // Divide by the step actually taken: near ±1000, saved ± h is not exactly representable.
    gradient[i] = (plus - minus) / (above - below);
  }
  return gradient;
}

export interface Difference {
  maxAbsError: number;
  maxRelError: number;
}

/**
 * Largest absolute and relative difference of two arrays. The relative error of element i is
 * |a_i − b_i| / max(|a_i|, |b_i|, floor): the floor keeps values near zero from inflating it.
 * NaN anywhere counts as an infinite error, so a broken gradient cannot pass.
 */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): Difference {
  if (a.length !== b.length) return { maxAbsError: Infinity, maxRelError: Infinity };
  let maxAbsError = 0;
  let maxRelError = 0;
  for (let i = 0; i < a.length; i++) {
    const error = Math.abs(a[i] - b[i]);
    if (Number.isNaN(error)) return { maxAbsError: Infinity, maxRelError: Infinity };
    maxAbsError = Math.max(maxAbsError, error);
    maxRelError = Math.max(maxRelError, error / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor));
  }
  return { maxAbsError, maxRelError };
}
