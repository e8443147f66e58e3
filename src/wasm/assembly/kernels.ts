// The fast kernels: the same math as src/model (whose comments give the formulas), in
// WebAssembly with 128-bit SIMD (4 float32 lanes), compiled from AssemblyScript by
// `npm run build`. Every argument is a byte offset into the memory the engine shares with
// JavaScript; nothing here allocates. Each kernel names the reference function it must equal;
// tests hold them to it within float32 tolerance. The files mirror src/model:
//
//   dense.ts         the dense layer on dense input          model/dense.ts
//   sparseDense.ts   the dense layer on the images' sparse rows model/dense.ts
//   batchnorm.ts     BatchNorm                                model/batchnorm.ts
//   activations.ts   ReLU                                     model/activations.ts
//   softmax.ts       softmax with cross-entropy, fused        model/softmax.ts
//   updates.ts       SGD, momentum, Adam; sums of squares     model/updates.ts
//   sparseRows.ts    the sparse rows' layouts                 (wasm/sparseBatches.ts)
//   peak.ts          the arithmetic peak, for `bench`         (none)
//   helpers.ts       vector helpers

export * from './dense';
export * from './sparseDense';
export * from './batchnorm';
export * from './activations';
export * from './softmax';
export * from './updates';
export * from './sparseRows';
export * from './peak';

/**
 * The end of the module's static data: the tables of Math.exp and Math.log, which
 * instantiation writes at the start of the memory. The engine's arrays come after it.
 */
export function staticEnd(): usize {
  return __heap_base;
}
