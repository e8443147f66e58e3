// The optimisers' updates, each over elements [start, end) so that threads can share a
// parameter; and the sums of squares of the gradient norms. Reference: src/model/updates.ts.

import { dot } from './helpers';

/**
 * θ ← θ − lr · (g + λ θ)
 *
 * reference: model/updates.ts sgdStep
 */
export function sgdStep(value: usize, gradient: usize, lr: f32, decay: f32, start: i32, end: i32): void {
  const lrv = f32x4.splat(lr);
  const dv = f32x4.splat(decay);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    v128.store(value + o, f32x4.sub(theta, f32x4.mul(lrv, g)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(value + o);
    store<f32>(value + o, v - lr * (load<f32>(gradient + o) + decay * v));
  }
}

/**
 * v ← μ v + (g + λ θ);  θ ← θ − lr · v
 *
 * reference: model/updates.ts momentumStep
 */
export function momentumStep(
  value: usize, gradient: usize, velocity: usize, lr: f32, decay: f32, mu: f32, start: i32, end: i32,
): void {
  const lrv = f32x4.splat(lr);
  const dv = f32x4.splat(decay);
  const muv = f32x4.splat(mu);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    const vel = f32x4.add(f32x4.mul(muv, v128.load(velocity + o)), g);
    v128.store(velocity + o, vel);
    v128.store(value + o, f32x4.sub(theta, f32x4.mul(lrv, vel)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(value + o);
    const vel = mu * load<f32>(velocity + o) + (load<f32>(gradient + o) + decay * v);
    store<f32>(velocity + o, vel);
    store<f32>(value + o, v - lr * vel);
  }
}

/**
 * Adam with g ← g + λ θ; m̂ = m / c1, v̂ = v / c2 (c = 1 − βᵗ). Moments below 1e-30 are
 * flushed to zero: denormal floats are slow, and wasm cannot turn on flush-to-zero.
 *
 * reference: model/updates.ts adamStep
 */
export function adamStep(
  value: usize, gradient: usize, m: usize, v: usize,
  lr: f32, decay: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32,
  start: i32, end: i32,
): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(1 - beta1);
  const ob2 = f32x4.splat(1 - beta2);
  const tiny = f32x4.splat(1e-30);
  const stepSize = lr / c1; // θ −= lr m̂ / (√v̂ + ε) = (lr/c1) m / (√v / √c2 + ε): one division
  const inverseRootC2: f32 = 1 / Mathf.sqrt(c2);
  const sv = f32x4.splat(stepSize);
  const rv = f32x4.splat(inverseRootC2);
  const dv = f32x4.splat(decay);
  const ev = f32x4.splat(epsilon);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    let mm = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(ob1, g));
    let vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(ob2, f32x4.mul(g, g)));
    mm = v128.and(mm, f32x4.gt(f32x4.abs(mm), tiny));
    vv = v128.and(vv, f32x4.gt(vv, tiny));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const denominator = f32x4.add(f32x4.mul(f32x4.sqrt(vv), rv), ev);
    v128.store(value + o, f32x4.sub(theta, f32x4.div(f32x4.mul(sv, mm), denominator)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const theta = load<f32>(value + o);
    const g = load<f32>(gradient + o) + decay * theta;
    let mm = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    let vv = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    if (Mathf.abs(mm) <= 1e-30) mm = 0;
    if (vv <= 1e-30) vv = 0;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(value + o, theta - (stepSize * mm) / (Mathf.sqrt(vv) * inverseRootC2 + epsilon));
  }
}

/**
 * Σ x² for gradient norms, by blocks: partials[b] = the sum over elements [b·block, (b+1)·block)
 * for each block in [start, end). The caller adds the partials in order, so that the sum does
 * not depend on which thread took which block.
 *
 * reference: none: Σ x², the gradient norms of train/trainer.ts
 */
export function sumOfSquares(x: usize, partials: usize, block: i32, start: i32, end: i32): void {
  for (let b = start; b < end; b += block) {
    const length = min(block, end - b);
    store<f64>(partials + (<usize>(b / block) << 3), <f64>dot(x + (<usize>b << 2), x + (<usize>b << 2), length));
  }
}
