// Text written as UTF-8 bytes, into memory or through a small buffer into a file: how model.json
// and checkpoint.json are written. Their numbers are formatted straight into the bytes, and
// their arrays' base64 too, so a file of megabytes needs no string of megabytes, nor (written
// into a file) fresh memory of that size: on a virtual machine each new page costs microseconds.

import { MAX_FLOAT_BYTES, writeFloat32 } from './floatText.js';

const BUFFER_BYTES = 1 << 16;
/** Floats and base64 groups written between two checks of the room left. */
const BLOCK = 1024;
const [OPEN, CLOSE, COMMA, SPACE, PAD] = ['[', ']', ',', ' ', '='].map((c) => c.charCodeAt(0));
const BASE64_DIGITS = Uint8Array.from(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  (c) => c.charCodeAt(0),
);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class TextBytes {
  private bytes = new Uint8Array(BUFFER_BYTES);
  private length = 0;

  /**
   * Without `sink`, the bytes stay in memory (`view`, `toString`). With it, they are passed on to
   * it whenever the buffer fills, and by `flush`.
   */
  constructor(private readonly sink?: (bytes: Uint8Array) => void) {}

  /** Room for `count` more bytes: the buffer passed on to the sink, or made larger. */
  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    this.flush();
    if (this.length + count <= this.bytes.length) return;
    const larger = new Uint8Array(Math.max(2 * this.bytes.length, this.length + count));
    larger.set(this.view());
    this.bytes = larger;
  }

  text(text: string): this {
    this.reserve(text.length); // enough for ASCII
    const { read, written } = encoder.encodeInto(text, this.bytes.subarray(this.length));
    this.length += written;
    if (read < text.length) {
      const rest = text.slice(read);
      this.reserve(3 * rest.length); // UTF-8 takes at most 3 bytes a UTF-16 unit
      this.length += encoder.encodeInto(rest, this.bytes.subarray(this.length)).written;
    }
    return this;
  }

  /** `[a, b, …]`, each value as formatFloat32 writes it. */
  floats(values: Float32Array): this {
    this.reserve(1);
    this.bytes[this.length++] = OPEN;
    for (let start = 0; start < values.length; start += BLOCK) {
      const end = Math.min(start + BLOCK, values.length);
      this.reserve((end - start) * (MAX_FLOAT_BYTES + 2));
      const bytes = this.bytes;
      let at = this.length;
      for (let i = start; i < end; i++) {
        if (i > 0) {
          bytes[at++] = COMMA;
          bytes[at++] = SPACE;
        }
        at = writeFloat32(bytes, at, values[i]);
      }
      this.length = at;
    }
    this.reserve(1);
    this.bytes[this.length++] = CLOSE;
    return this;
  }

  /** The array's bytes in base64 (RFC 4648, padded), as Buffer's toString('base64') writes them. */
  base64(array: Float32Array | Uint32Array): this {
    const input = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let start = 0; start < input.length; start += 3 * BLOCK) {
      const end = Math.min(start + 3 * BLOCK, input.length);
      this.reserve(4 * BLOCK);
      const bytes = this.bytes;
      let at = this.length;
      let i = start;
      for (; i + 2 < end; i += 3) {
        const group = (input[i] << 16) | (input[i + 1] << 8) | input[i + 2];
        bytes[at++] = BASE64_DIGITS[group >>> 18];
        bytes[at++] = BASE64_DIGITS[(group >>> 12) & 63];
        bytes[at++] = BASE64_DIGITS[(group >>> 6) & 63];
        bytes[at++] = BASE64_DIGITS[group & 63];
      }
      if (i < end) {
        // the last one or two bytes, padded
        const two = i + 1 < end;
        const group = (input[i] << 16) | (two ? input[i + 1] << 8 : 0);
        bytes[at++] = BASE64_DIGITS[group >>> 18];
        bytes[at++] = BASE64_DIGITS[(group >>> 12) & 63];
        bytes[at++] = two ? BASE64_DIGITS[(group >>> 6) & 63] : PAD;
        bytes[at++] = PAD;
      }
      this.length = at;
    }
    return this;
  }

  /** Passes the bytes written so far on to the sink (without one, keeps them). */
  flush(): void {
    if (!this.sink || this.length === 0) return;
    this.sink(this.view());
    this.length = 0;
  }

  /** The bytes written and not passed on (a view of the buffer, until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  toString(): string {
    return decoder.decode(this.view());
  }
}
