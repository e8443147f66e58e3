// Helpers of the kernels: y[0..n) += a · x[0..n), Σ x·y, four lanes at a time; rows of a
// row-major matrix; stores of the first lanes of vectors.

@inline export function axpy(y: usize, x: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

@inline export function dot(x: usize, y: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let sum =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    f32x4.extract_lane(acc, 2) +
    f32x4.extract_lane(acc, 3);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    sum += load<f32>(x + o) * load<f32>(y + o);
  }
  return sum;
}

@inline export function row(base: usize, r: i32, width: i32): usize {
  return base + ((<usize>r * <usize>width) << 2);
}

/**
 * Stores the first `count` lanes (any number) of four vectors: 16 floats at most. The tails
 * of rows are done with whole vectors that read up to 15 floats past the row: harmless, since
 * the engine pads every array by 64 bytes, and only the lanes that belong to the row are stored.
 */
@inline export function storeRest(ptr: usize, a0: v128, a1: v128, a2: v128, a3: v128, count: i32): void {
  storeLanes(ptr, a0, count);
  if (count > 4) storeLanes(ptr + 16, a1, count - 4);
  if (count > 8) storeLanes(ptr + 32, a2, count - 8);
  if (count > 12) storeLanes(ptr + 48, a3, count - 12);
}

/** Stores the first `count` (1..4) lanes of v. */
@inline export function storeLanes(ptr: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(ptr, v);
  } else if (count >= 2) {
    v128.store64_lane(ptr, v, 0);
    if (count == 3) v128.store32_lane(ptr, v, 2, 8);
  } else {
    v128.store32_lane(ptr, v, 0);
  }
}

/** b[0..4) + scale · sums: a layer's output from its sums of raw (unscaled) pixel values. */
@inline export function biasPlus(b: usize, scale: v128, sums: v128): v128 {
  return f32x4.add(v128.load(b), f32x4.mul(scale, sums));
}

/**
 * acc + a · b. The exact build (kernels.wasm) rounds the product, then the sum, as the
 * reference does. The relaxed build (kernels-relaxed.wasm, `--enable relaxed-simd`) uses
 * f32x4.relaxed_madd: a fused multiply-add where the CPU has one (a single rounding), else the
 * same two roundings. Which of the two V8 picks depends on the CPU alone, so a machine gets the
 * same bits on every run and with any number of threads.
 */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
