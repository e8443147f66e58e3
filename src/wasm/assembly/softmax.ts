// Softmax and cross-entropy, fused. Reference: src/model/softmax.ts.

import { row } from './helpers';

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
    for (let j = 0; j < classes; j++) {
      const p = <f32>(<f64>load<f32>(d + (<usize>j << 2)) / sum);
      store<f32>(d + (<usize>j << 2), <f32>(scale * (<f64>p - (j == label ? 1 : 0))));
    }
    const loss = max - <f64>load<f32>(z + (<usize>label << 2)) + Math.log(sum);
    store<f64>(losses + (<usize>n << 3), loss);
  }
}
