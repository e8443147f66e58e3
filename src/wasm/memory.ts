// The wasm engine's memory: one shared WebAssembly memory, which the kernels address by byte
// offsets (pointers) and every array of a network lives in. Arrays are handed out one after
// the other and never freed: a network's arrays, its batches and the engine's scratch live as
// long as the engine.
//
// The memory is shared (a SharedArrayBuffer): growing it does not detach the arrays already
// handed out, so allocation can grow it at any time.

const PAGE = 65536;
/** Bytes after each array that kernels may read (whole vectors over a row's end), never write. */
const PAD = 64;

export type Pointer = number;

/** The byte offset of an array in the engine's memory: what the kernels take. */
export function pointer(array: ArrayBufferView): Pointer {
  // not `instanceof SharedArrayBuffer`: a page that is not cross-origin isolated has shared
  // WebAssembly memory but no SharedArrayBuffer global
  if (array.buffer instanceof ArrayBuffer) {
    throw new Error('the wasm engine was given an array that is not in its memory');
  }
  return array.byteOffset;
}

/** Where arrays of each element type can be had: new ones (WasmMemory) or scratch (Scratch). */
export interface ArraySpace {
  /** `count` uint32 (row starts, sample orders). */
  words(count: number): Uint32Array;
  /** `count` uint16 (pixel indices, samples of a block). */
  halves(count: number): Uint16Array;
  /** `count` bytes (pixel values, labels). */
  bytes(count: number): Uint8Array;
}

export class WasmMemory implements ArraySpace {
  readonly memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  /** Next free byte: arrays come after the kernels' static data (never at 0, "no array"). */
  private top = 16;

  /** Arrays start after `bytes` (the kernels' static data, known once they are instantiated). */
  reserveStart(bytes: number): void {
    this.top = Math.max(this.top, bytes);
  }

  /** Bytes handed out so far. */
  get allocatedBytes(): number {
    return this.top;
  }

  private reserve(bytes: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes + PAD; // kernels may read (never write) past the end of an array
    const missing = this.top - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
    return at;
  }

  // each reserves before reading .buffer: reserving may grow it

  floats(count: number): Float32Array {
    const at = this.reserve(4 * count);
    return new Float32Array(this.memory.buffer, at, count);
  }

  doubles(count: number): Float64Array {
    const at = this.reserve(8 * count);
    return new Float64Array(this.memory.buffer, at, count);
  }

  words(count: number): Uint32Array {
    const at = this.reserve(4 * count);
    return new Uint32Array(this.memory.buffer, at, count);
  }

  halves(count: number): Uint16Array {
    const at = this.reserve(2 * count);
    return new Uint16Array(this.memory.buffer, at, count);
  }

  bytes(count: number): Uint8Array {
    const at = this.reserve(count);
    return new Uint8Array(this.memory.buffer, at, count);
  }
}
