// Which build of the kernels the wasm engine runs (`--kernels`):
//   exact    kernels.wasm: a multiply, then an add, each rounded, as the reference rounds them;
//            the same bits on every machine and runtime.
//   relaxed  kernels-relaxed.wasm: the dense layers' multiply-adds as f32x4.relaxed_madd, one
//            fused multiply-add where the CPU has it. Faster; the sums differ from the exact
//            ones in their last bits, the same on every run and thread count of one machine.
//   auto     relaxed where the runtime has relaxed SIMD (Node 22 and later), else exact.

import { UsageError } from '../errors.js';
import { KERNEL_CHOICES, type KernelChoice, type KernelsName } from './kernelNames.js';

export { KERNEL_CHOICES, type KernelChoice, type KernelsName } from './kernelNames.js';

/** Built by `npm run build` from src/wasm/assembly/kernels.ts; src/ and dist/ are siblings. */
export const KERNEL_FILES: Record<KernelsName, URL> = {
  exact: new URL('../../dist/wasm/kernels.wasm', import.meta.url),
  relaxed: new URL('../../dist/wasm/kernels-relaxed.wasm', import.meta.url),
};

/**
 * A module of one function, (v128, v128, v128) → v128 by f32x4.relaxed_madd (opcode 0xfd 0x105):
 * it validates where the runtime runs relaxed SIMD.
 */
// prettier-ignore
const RELAXED_MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) → v128
  0x03, 0x02, 0x01, 0x00, // function 0 of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

/** WebAssembly.validate, which Node has had since 8 (its type is missing from @types/node 20). */
const { validate } = WebAssembly as unknown as { validate(bytes: Uint8Array): boolean };

let relaxedSupported: boolean | undefined;

/** Whether this runtime runs WebAssembly relaxed SIMD (Node 22 and later do by default). */
export function hasRelaxedSimd(): boolean {
  relaxedSupported ??= validate(RELAXED_MADD_PROBE);
  return relaxedSupported;
}

/** The kernels a choice runs here; `relaxed` where the runtime cannot is refused (UsageError). */
export function resolveKernels(choice: KernelChoice): KernelsName {
  if (choice === 'exact') return 'exact';
  if (choice === 'auto') return hasRelaxedSimd() ? 'relaxed' : 'exact';
  if (choice === 'relaxed') {
    if (!hasRelaxedSimd()) {
      throw new UsageError(
        `--kernels relaxed: this runtime (Node ${process.versions.node}) has no WebAssembly relaxed SIMD; use Node 22 or later, or --kernels exact`,
      );
    }
    return 'relaxed';
  }
  throw new UsageError(
    `--kernels must be one of ${KERNEL_CHOICES.join(', ')}, not "${String(choice)}".`,
  );
}
