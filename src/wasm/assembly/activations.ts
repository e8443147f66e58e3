// ReLU (sigmoid and tanh run in the reference TypeScript). Reference: src/model/activations.ts.

/**
 * out = max(0, x), four lanes at a time.
 *
 * reference: model/activations.ts reluForward: out = max(0, x)
 */
export function reluForward(out: usize, x: usize, length: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v > 0 ? v : 0);
  }
}

/**
 * dx = dout · [out > 0]; dx is overwritten.
 *
 * reference: model/activations.ts reluBackward: dx = dout · [out > 0]
 */
export function reluBackward(dx: usize, dout: usize, out: usize, length: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dout + o), f32x4.gt(v128.load(out + o), zero)));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(out + o) > 0 ? load<f32>(dout + o) : 0);
  }
}
