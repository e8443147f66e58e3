// How model.json and checkpoint.json are written (src/model/textBytes.ts): floats with the
// fewest digits that read back as the same float32, against exact decimal rounding; base64
// against Node's Buffer; and the same bytes whether they stay in memory or stream into a sink a
// buffer at a time.

import { describe, expect, it } from 'vitest';
import { shortestFloat32ByPrecision } from '../src/model/floatText.js';
import { TextBytes } from '../src/model/textBytes.js';
import { Random } from '../src/random.js';

/** float32 values from random bit patterns (subnormals, ±0, the extremes among them). */
function randomFloats(count: number, seed: number): Float32Array {
  const random = new Random(seed);
  const bits = Uint32Array.from({ length: count }, () => Math.floor(random.next() * 2 ** 32));
  const values = new Float32Array(bits.buffer).map((v) => (Number.isFinite(v) ? v : 0));
  values.set([0, -0, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45]);
  values.set([1.1754942106924411e-38, -1.1754943508222875e-38, 1e21, 1e-7, 123456789], 5);
  return values;
}

/** What TextBytes writes into a sink, joined: the file it would write. */
function streamed(write: (out: TextBytes) => void): Buffer {
  const chunks: Buffer[] = [];
  const out = new TextBytes((bytes) => chunks.push(Buffer.from(bytes)));
  write(out);
  out.flush();
  expect(chunks.length).toBeGreaterThan(1);
  return Buffer.concat(chunks);
}

describe('TextBytes', () => {
  it('writes floats as exact decimal rounding does, in memory and streamed', () => {
    const values = randomFloats(300_000, 5);
    const expected = `[${Array.from(values, shortestFloat32ByPrecision).join(', ')}]`;
    expect(new TextBytes().floats(values).toString()).toBe(expected);
    expect(streamed((out) => out.floats(values)).toString()).toBe(expected);
  });

  it('writes base64 as Buffer does, for every remainder of three bytes and past its blocks', () => {
    const values = new Uint32Array(randomFloats(100_003, 6).buffer);
    // 1, 2, 3 values: 4, 8, 12 bytes; a block is 3072 bytes (768 values)
    for (const length of [0, 1, 2, 3, 767, 768, 769, 100_003]) {
      const array = values.subarray(0, length);
      const expected = Buffer.from(array.buffer, 0, array.byteLength).toString('base64');
      expect(new TextBytes().base64(array).toString()).toBe(expected);
    }
    const large = values.subarray(0, 100_000);
    expect(streamed((out) => out.base64(large)).toString()).toBe(
      Buffer.from(large.buffer, 0, large.byteLength).toString('base64'),
    );
  });

  it('encodes text as UTF-8, past the buffer and beyond ASCII', () => {
    const text = 'a digit «7», π ≈ 3.14159, 𝑥 → ∞; '.repeat(5000);
    expect(new TextBytes().text(text).toString()).toBe(text);
    expect(streamed((out) => out.text('[').text(text).text(']')).toString()).toBe(`[${text}]`);
  });
});
