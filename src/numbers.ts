// Numbers written for people: thousands separators, a few significant digits, 1/255 as such,
// and a count with its noun in the singular or the plural. Pure functions, for the terminal and
// for error messages alike.

/**
 * An integer (rounded) with thousands separators: 1145858 → "1,145,858". (Not toLocaleString,
 * whose first call loads the locale data: tens of milliseconds of every command's start.)
 */
export function grouped(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const whole = Math.round(value);
  if (Math.abs(whole) >= 1e21) return whole.toLocaleString('en-US'); // String() has an exponent
  return String(whole).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * `value` to about `digits` significant digits, without trailing zeros: 20511.265737600326 →
 * "20,511", 0.31415 → "0.3142", 1.5e-9 → "1.5e-9". Integers at or above 10^digits stay whole
 * (with separators), not in exponent form.
 */
export function significant(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 10 ** digits) return grouped(value);
  const [mantissa, exponent] = value.toPrecision(digits).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent.replace('+', '')}`;
}

/** A scale factor as people write it: 1/255 for 0.00392156862745098, else significant(). */
export function factor(value: number): string {
  if (value > 0 && value < 1) {
    const denominator = Math.round(1 / value);
    if (Math.abs(1 / denominator - value) <= 1e-12 * value) return `1/${denominator}`;
  }
  return significant(value, 6);
}

/** `count` and its noun, singular for 1: "1 epoch", "2 epochs", "60,000 images". */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${grouped(count)} ${count === 1 ? noun : nouns}`;
}
