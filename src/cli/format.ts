// Text for the terminal: percentages, tables, digits drawn with shading characters.

/** The columns of the terminal `stream` writes to, less one (a full line wraps on some); else Infinity. */
export function columnsOf(stream: NodeJS.WriteStream): number {
  return stream.isTTY ? (stream.columns || 80) - 1 : Infinity;
}

/**
 * `text` folded at spaces into lines of at most `width` columns, the later ones indented: for
 * sentences on a terminal (a word longer than the line stays whole).
 */
export function wrap(text: string, width: number, indent = '  '): string {
  if (text.length <= width) return text;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : `${lines.length ? indent : ''}${word}`;
    if (line && next.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = next;
    }
  }
  return [...lines, line].join('\n');
}

export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Columns padded to a common width; the first and the `textColumns` left-aligned, others right. */
export function table(rows: string[][], alignRight = true, textColumns: number[] = []): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const left = (c: number) => !alignRight || c === 0 || textColumns.includes(c);
  return rows
    .map((row) =>
      row
        .map((cell, c) => (left(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const SHADES = [' ', '░', '▒', '▓', '█'];

/** An image of bytes drawn two characters per pixel (terminal cells are about twice as tall). */
export function drawImage(pixels: Uint8Array, height: number, width: number): string {
  const border = `+${'-'.repeat(2 * width)}+`;
  const lines = [border];
  for (let r = 0; r < height; r++) {
    let line = '|';
    for (let c = 0; c < width; c++) {
      const shade =
        SHADES[
          Math.min(SHADES.length - 1, Math.floor((pixels[r * width + c] / 256) * SHADES.length))
        ];
      line += shade + shade;
    }
    lines.push(line + '|');
  }
  lines.push(border);
  return lines.join('\n');
}

const BARS = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/** The step of an axis over [low, high] with at most about 10 steps: 1, 2 or 5 × 10ⁿ. */
function niceStep(span: number): number {
  const rough = span / 10;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough)!;
}

/**
 * A bar per row (the test accuracy per epoch), on an axis from a round value below the
 * smallest to one above the largest, labelled on a line above the bars: so that small
 * differences show and bar lengths can still be read. `scale` turns values into the axis's
 * labels (100 and '%' for fractions).
 */
export function barChart(
  rows: { label: string; value: number; text: string }[],
  width = 40,
  scale = { factor: 100, unit: '%' },
): string {
  const values = rows.map((r) => r.value * scale.factor);
  const min = Math.min(...values);
  const max = Math.max(...values);
  // equal values (one epoch) get an axis of about their own size
  const step = niceStep(max > min ? max - min : Math.abs(max) || 1);
  let low = Math.floor(min / step + 1e-9) * step;
  const high =
    Math.ceil(max / step - 1e-9) * step + (Math.ceil(max / step) * step === low ? step : 0);
  if (low === min && low > 0) low -= step; // the smallest still gets a bar
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const lowText = `${low.toFixed(digits)}${scale.unit}`;
  const highText = `${high.toFixed(digits)}${scale.unit}`;
  const axis =
    `${' '.repeat(labelWidth)} ${lowText}` +
    `${highText.padStart(Math.max(1, width - lowText.length))}`;
  const bars = rows.map(({ label, text }, i) => {
    const eighths = Math.round(((values[i] - low) / (high - low)) * width * 8);
    const bar = '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? BARS[(eighths % 8) - 1] : '');
    return `${label.padStart(labelWidth)} ${bar.padEnd(width)} ${text}`;
  });
  return [axis, ...bars].join('\n');
}
