// Text for the terminal: percentages, tables, digits drawn with shading characters.

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

/**
 * A bar per row, scaled between the smallest and largest value (so that small differences
 * show), e.g. the test accuracy per epoch.
 */
export function barChart(
  rows: { label: string; value: number; text: string }[],
  width = 40,
): string {
  const values = rows.map((r) => r.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  return rows
    .map(({ label, value, text }) => {
      const fraction = high > low ? 0.1 + (0.9 * (value - low)) / (high - low) : 1;
      const eighths = Math.round(fraction * width * 8);
      const bar =
        '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? BARS[(eighths % 8) - 1] : '');
      return `${label.padStart(labelWidth)} ${bar.padEnd(width)} ${text}`;
    })
    .join('\n');
}
