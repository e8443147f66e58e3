// Text for the terminal: percentages, tables, digits drawn with shading characters.

export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function table(rows: string[][], alignRight = true): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (alignRight && c > 0 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
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
