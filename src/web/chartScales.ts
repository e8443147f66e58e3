// What the charts do to numbers before drawing them: TensorBoard's smoothing, the y ranges and
// ticks of percentage and log axes, and numbers written for people. Pure functions, no DOM.

/**
 * Exponential moving average, debiased (as TensorBoard's scalar smoothing):
 *   m_t = w·m_(t−1) + (1 − w)·y_t,   m_0 = 0,   shown: m_t / (1 − w^t)
 * so the first points are not pulled towards 0. Non-finite values are passed through and skipped.
 */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let mean = 0;
  let count = 0;
  return values.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    mean = weight * mean + (1 - weight) * y;
    count++;
    return mean / (1 - weight ** count);
  });
}

/** A log scale cannot show zero or less: such values are left out. */
export function positive(values: (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && v > 0 && Number.isFinite(v) ? v : null));
}

/**
 * A share's axis (0–1, drawn as %): the data's range with some room, kept within 0–100% and at
 * least 1 point wide, so all-zero curves read 0–1%, not −5000–10000%.
 */
export function shareRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  const room = Math.max(0.1 * (max - min), 0.002);
  let low = Math.max(0, min - room);
  let high = Math.min(1, max + room);
  if (high - low < 0.01) {
    if (low === 0) high = 0.01;
    else if (high === 1) low = 0.99;
    else high = Math.min(1, low + 0.01);
  }
  return [low, high];
}

/**
 * A log axis' range: the data's with room (5% of the decades drawn, at least a factor 1.15) on
 * each side, so a line's highest point sits visibly inside; not widened to whole powers of ten.
 */
export function logRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !(min > 0) || !(max > 0)) return [0.1, 10];
  if (max / min < 2) return [min / 1.5, max * 1.5];
  const room = Math.max(1.15, (max / min) ** 0.05);
  return [min / room, max * room];
}

/**
 * Ticks of a log axis from `low` to `high`: powers of ten, or 1-2-5 or 1…9 times them when that
 * gives too few (a curve within 0.3–0.5 gets 0.3, 0.4, 0.5, not just "1").
 */
export function logTicks(low: number, high: number): number[] {
  if (!(low > 0) || !(high > low)) return [];
  const from = Math.floor(Math.log10(low));
  const to = Math.ceil(Math.log10(high));
  let best: number[] = [];
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let p = from; p <= to; p++) {
      for (const m of mantissas) {
        // rounded, so that 3·10^-1 reads 0.3, not 0.30000000000000004
        const v = +(m * 10 ** p).toPrecision(6);
        if (v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9)) ticks.push(v);
      }
    }
    best = ticks;
    if (ticks.length >= 3) break;
  }
  // too many labels for the height: every other one
  return best.length > 10 ? best.filter((_, i) => i % 2 === 0) : best;
}

/** A tick label of a linear axis: as many decimals as the tick spacing needs. */
export function tickLabel(value: number, spacing: number, percent: boolean): string {
  const scaled = percent ? 100 * value : value;
  const step = percent ? 100 * spacing : spacing;
  const decimals = step > 0 ? Math.min(8, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))) : 0;
  const text = Math.abs(scaled) >= 1e5 ? scaled.toExponential(1) : scaled.toFixed(decimals);
  return text.replace(/^-(0\.?0*)$/, '$1') + (percent ? '%' : '');
}

/** A log axis' tick label: 0.3, 20, 1e-5. */
export function logTickLabel(value: number): string {
  if (value >= 1e-3 && value < 1e5) return String(+value.toPrecision(2));
  return value.toExponential(0);
}

/** A value read at the cursor: 4 significant digits, or a percentage with 2 decimals. */
export function valueLabel(value: number | null | undefined, percent: boolean): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (percent) return `${(100 * value).toFixed(2)}%`;
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e-3 && abs < 1e6 ? String(+value.toPrecision(4)) : value.toExponential(3);
}

/** Seconds as a person reads them: 42 s, 3 min 20 s, 1 h 05 min. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${+seconds.toPrecision(seconds < 10 ? 2 : 3)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return s ? `${m} min ${s} s` : `${m} min`;
}
