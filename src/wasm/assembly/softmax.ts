// Softmax and cross-entropy, fused. Reference: src/model/softmax.ts.

import { row } from './helpers';

/** y_j in float64 lanes: these bits where j is the label. */
const ONES = f64x2(1, 1);

/**
 * The fused softmax cross-entropy of a training step, forward and backward in one pass, with
 * the reference's float64 arithmetic (softmaxCrossEntropyForward, softmaxCrossEntropyBackward):
 *   losses[n] = (m − z_label) + ln s           (float64)
 *   dlogits[n][j] = scale · (p_j − y_j)        (overwritten)
 *   predicted[n] = argmax_j z_j                (the first of equal maxima, as model/tensor.ts argmax)
 * where m = max_j z_j, s = Σ_j exp(z_j − m), p_j = exp(z_j − m) / s rounded to float32 as the
 * reference rounds it. labels and predicted: one byte per sample.
 *
 * reference: model/softmax.ts softmaxCrossEntropyForward and softmaxCrossEntropyBackward
 */
export function softmaxCrossEntropy(
  losses: usize, dlogits: usize, predicted: usize, logits: usize, labels: usize, classes: i32,
  scale: f64, nStart: i32, nEnd: i32,
): void {
  for (let n = nStart; n < nEnd; n++) {
    const z = row(logits, n, classes);
    const d = row(dlogits, n, classes);
    let max = -Infinity;
    let best = 0;
    for (let j = 0; j < classes; j++) {
      const zj = <f64>load<f32>(z + (<usize>j << 2));
      best = select(j, best, zj > max); // no branch: which class wins is data, not a pattern
      max = Math.max(max, zj);
    }
    store<u8>(predicted + <usize>n, <u8>best);
    let sum: f64 = 0;
    for (let j = 0; j < classes; j++) {
      const e = Math.exp(<f64>load<f32>(z + (<usize>j << 2)) - max);
      store<f32>(d + (<usize>j << 2), <f32>e); // the reference keeps exp(z − m) as float32 too
      sum += e;
    }
    const label = <i32>load<u8>(labels + <usize>n);
    // two classes at a time in float64 lanes (a last one alone), each rounded as the reference
    // rounds it: half the divisions' and conversions' instructions
    const sums = f64x2.splat(sum), scales = f64x2.splat(scale), labelLanes = i64x2.splat(label);
    for (let j = 0; j < classes; j += 2) {
      const at = d + (<usize>j << 2);
      const pair = j + 1 < classes;
      const e = f64x2.promote_low_f32x4(pair ? v128.load64_zero(at) : v128.load32_zero(at));
      const p = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.div(e, sums)));
      const y = v128.and(i64x2.eq(i64x2(j, j + 1), labelLanes), ONES);
      const g = f32x4.demote_f64x2_zero(f64x2.mul(scales, f64x2.sub(p, y)));
      if (pair) v128.store64_lane(at, g, 0);
      else v128.store32_lane(at, g, 0);
    }
    const loss = max - <f64>load<f32>(z + (<usize>label << 2)) + Math.log(sum);
    store<f64>(losses + (<usize>n << 3), loss);
  }
}
