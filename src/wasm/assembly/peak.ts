// The arithmetic peak of one thread at 128-bit SIMD, measured: what `bench` compares the
// kernels' GFLOP/s with. No reference: it computes nothing of a network.

import { madd } from './helpers';

/**
 * For each block in [bStart, bEnd): `rounds` rounds of 8 independent multiply-adds on 4 lanes
 * (8 × 8 = 64 FLOP per round, a multiply-add counted as two), all in registers: enough
 * independent sums to hide the latency of each (4 cycles, 2 a cycle), few enough that none is
 * kept on the stack (Node 24 spills 12 of them and runs 3 times slower).
 * The sums are stored at out + 16 · block so that they are not optimised away. Through madd:
 * a fused multiply-add in the relaxed build where the CPU has one, else a multiply and an add.
 */
export function peakMultiplyAdd(out: usize, rounds: i32, bStart: i32, bEnd: i32): void {
  const x = f32x4.splat(0.999), y = f32x4.splat(1e-3);
  for (let b = bStart; b < bEnd; b++) {
    let a0 = f32x4.splat(<f32>b), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let r = 0; r < rounds; r++) {
      a0 = madd(y, a0, x); a1 = madd(y, a1, x); a2 = madd(y, a2, x); a3 = madd(y, a3, x);
      a4 = madd(y, a4, x); a5 = madd(y, a5, x); a6 = madd(y, a6, x); a7 = madd(y, a7, x);
    }
    const sum = f32x4.add(
      f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
      f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)),
    );
    v128.store(out + (<usize>b << 4), sum);
  }
}
