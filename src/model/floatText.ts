// Float32 values as text with the fewest digits that read back as the same bits, written
// straight into bytes (textBytes.ts): a model.json holds hundreds of thousands of them, and a
// string per number (then joined, then encoded) cost several times the digits themselves.

/** 10^0 … 10^22: the powers of ten that doubles hold exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

const [MINUS, ZERO, POINT, EXPONENT, PLUS] = ['-', '0', '.', 'e', '+'].map((c) => c.charCodeAt(0));

/** The longest float32 text: a sign and 21 digits (1e21 and up are written with an exponent). */
export const MAX_FLOAT_BYTES = 22;
const scratch = new Uint8Array(MAX_FLOAT_BYTES);

/**
 * The shortest decimal that reads back as the same float32 (at most 9 significant digits),
 * written as JavaScript writes numbers. −0 is kept as "-0", which JSON.parse reads back as −0.
 */
export function formatFloat32(value: number): string {
  return String.fromCharCode(...scratch.subarray(0, writeFloat32(scratch, 0, value)));
}

/**
 * Writes formatFloat32's text of `value` at bytes[at], returning where it ends.
 *
 * It rounds |v| to d significant digits in doubles, q = round(|v| · 10^k) with
 * k = d − 1 − ⌊log10 |v|⌋, which is exact unless the product lies near a tie (or 10^k is not
 * exact), and writes the digits of the smallest d whose q · 10^−k reads back as v: most
 * float32s need 7 or 8 digits, so it tries 7, then fewer or more. Where doubles cannot decide,
 * `shortestFloat32ByPrecision` decides with exact decimal rounding. Both give the same text
 * (tested on millions of float32 bit patterns).
 */
export function writeFloat32(bytes: Uint8Array, at: number, value: number): number {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} into a model file`);
  if (value < 0 || (value === 0 && 1 / value < 0)) bytes[at++] = MINUS; // −0 too
  const magnitude = Math.abs(value);
  if (magnitude === 0) {
    bytes[at] = ZERO;
    return at + 1;
  }
  const exponent = Math.floor(Math.log10(magnitude));
  let d = 7;
  let digits = roundedDigits(magnitude, exponent, d);
  if (digits >= 0 && readsBack(digits, magnitude, exponent, d)) {
    // fewer digits, while they read back too
    while (d > 1) {
      const fewer = roundedDigits(magnitude, exponent, d - 1);
      if (fewer >= 0 && !readsBack(fewer, magnitude, exponent, d - 1)) break;
      digits = fewer; // or −1: undecided
      if (fewer < 0) break;
      d--;
    }
  } else {
    // more digits, until they read back
    while (digits >= 0 && !readsBack(digits, magnitude, exponent, d)) {
      digits = ++d > 9 ? -1 : roundedDigits(magnitude, exponent, d);
    }
  }
  if (digits < 0) return writeAscii(bytes, at, shortestFloat32ByPrecision(magnitude));
  // the point's place: after exponent + 1 digits (one more when rounding up made 10^d)
  let count = digits === POWERS_OF_TEN[d] ? d + 1 : d;
  const point = exponent + 1 + count - d;
  while (digits % 10 === 0) {
    digits /= 10;
    count--;
  }
  return writeDecimal(bytes, at, digits, count, point);
}

/**
 * |v| to d significant digits, as the integer q = round(|v| · 10^k), k = d − 1 − exponent; −1
 * where doubles cannot decide it exactly (10^k not exact, the exponent off, near a tie).
 */
function roundedDigits(magnitude: number, exponent: number, d: number): number {
  const k = d - 1 - exponent;
  if (k > 22 || k < -22) return -1;
  const scaled = k >= 0 ? magnitude * POWERS_OF_TEN[k] : magnitude / POWERS_OF_TEN[-k];
  if (scaled < POWERS_OF_TEN[d - 1] || scaled >= POWERS_OF_TEN[d]) return -1;
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (Math.abs(fraction - 0.5) < 1e-7) return -1;
  return fraction > 0.5 ? floor + 1 : floor;
}

/** Whether q · 10^−k (the nearest double to that decimal) reads back as the float32 |v|. */
function readsBack(digits: number, magnitude: number, exponent: number, d: number): boolean {
  const k = d - 1 - exponent;
  const decimal = k >= 0 ? digits / POWERS_OF_TEN[k] : digits * POWERS_OF_TEN[-k];
  return Math.fround(decimal) === magnitude;
}

/** The shortest float32 decimal by exact decimal rounding (toPrecision): slow, always right. */
export function shortestFloat32ByPrecision(value: number): string {
  if (Object.is(value, -0)) return '-0';
  // Round-tripping is monotone in the number of digits (9 always suffice): binary search.
  let low = 1;
  let high = 9;
  while (low < high) {
    const digits = (low + high) >> 1;
    if (Math.fround(Number(value.toPrecision(digits))) === value) high = digits;
    else low = digits + 1;
  }
  return String(Number(value.toPrecision(low)));
}

function writeAscii(bytes: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  return at;
}

/**
 * Writes digits × 10^(point − count), `digits` an integer of `count` digits, as JavaScript
 * writes numbers (ECMA-262 Number::toString): plainly from 1e-7 up to 1e21, with an exponent
 * outside. The digits are written in place, then those after the point moved one byte for it.
 */
function writeDecimal(
  bytes: Uint8Array,
  at: number,
  digits: number,
  count: number,
  point: number,
): number {
  if (-6 < point && point <= 0) {
    // 0.000ddd
    bytes[at++] = ZERO;
    bytes[at++] = POINT;
    for (let zeros = -point; zeros > 0; zeros--) bytes[at++] = ZERO;
    return writeDigits(bytes, at, digits, count);
  }
  if (0 < point && point <= 21) {
    let end = writeDigits(bytes, at, digits, count);
    // ddd000, or ddd.ddd
    for (let zeros = point - count; zeros > 0; zeros--) bytes[end++] = ZERO;
    return count > point ? insertPoint(bytes, at + point, end) : end;
  }
  // d[.ddd]e±x
  let end = writeDigits(bytes, at, digits, count);
  if (count > 1) end = insertPoint(bytes, at + 1, end);
  const exponent = point - 1;
  bytes[end++] = EXPONENT;
  bytes[end++] = exponent < 0 ? MINUS : PLUS;
  const magnitude = Math.abs(exponent);
  return writeDigits(bytes, end, magnitude, magnitude >= 10 ? 2 : 1);
}

/** The `count` decimal digits of `digits` (below 2^31) from bytes[at]; returns their end. */
function writeDigits(bytes: Uint8Array, at: number, digits: number, count: number): number {
  let rest = digits | 0; // in 32-bit integers: dividing by 10 is then a multiplication
  for (let i = at + count - 1; i >= at; i--) {
    const tenth = (rest / 10) | 0;
    bytes[i] = ZERO + rest - 10 * tenth;
    rest = tenth;
  }
  return at + count;
}

/** Moves bytes[at … end) one byte on and writes a point before them; returns the new end. */
function insertPoint(bytes: Uint8Array, at: number, end: number): number {
  for (let i = end; i > at; i--) bytes[i] = bytes[i - 1];
  bytes[at] = POINT;
  return end + 1;
}
