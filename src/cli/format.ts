// Text for the terminal: percentages, tables, digits drawn with shading characters.

/** The columns of the terminal `stream` writes to, less one (a full line wraps on some); else Infinity. */
export function columnsOf(stream: NodeJS.WriteStream): number {
  return stream.isTTY ? (stream.columns || 80) - 1 : Infinity;
}

/**
 * The width of --help: the terminal's (less one), else $COLUMNS's (as `COLUMNS=40 mnist-softmax
 * train --help | less` asks), else 80.
 */
export function helpWidthOf(stream: NodeJS.WriteStream): number {
  if (stream.isTTY) return columnsOf(stream);
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 1 ? columns - 1 : 80;
}

/** The narrowest terminal every line is made to fit (less one column, as columnsOf). */
export const NARROWEST = 39;

/**
 * `parts` joined by `separator` into lines of at most `width` columns, the later lines starting
 * with `indent`. A part longer than a line by itself is folded at its own spaces; a word longer
 * than a line is cut after a "/" when it can (a long path), else where the line ends. Numbers
 * hold no spaces, so folding at spaces never splits one.
 */
export function pack(parts: string[], width: number, indent = '  ', separator = ' '): string {
  // each word with what joins it to the one before: `separator` between parts, else a space
  const words = parts.flatMap((part) =>
    (indent + part).length > width
      ? part.split(/(?<=\S) +/).map((word, i) => ({ word, join: i ? ' ' : separator }))
      : [{ word: part, join: separator }],
  );
  const lines: string[] = [];
  let line = '';
  let prefix = 0; // the current line's indent
  for (const { word, join } of words) {
    if (!line) {
      line = word;
    } else if (line.length + join.length + word.length <= width) {
      line += join + word;
    } else {
      lines.push(line);
      line = indent + word;
      prefix = indent.length;
    }
    // a word longer than a line: cut after its last "/" that fits, else where the line ends
    while (line.length > width && width > indent.length) {
      const slash = line.lastIndexOf('/', width - 1);
      const at = slash >= prefix ? slash + 1 : width;
      lines.push(line.slice(0, at));
      line = indent + line.slice(at);
      prefix = indent.length;
    }
  }
  return [...lines, line].join('\n');
}

/**
 * `text` folded at spaces into lines of at most `width` columns, the later ones indented (beyond
 * the line's own indent): for sentences on a terminal. Line breaks in `text` stay.
 */
export function wrap(text: string, width: number, indent = '  '): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width) return line;
      const own = /^ */.exec(line)![0];
      const words = glueUnits(line.slice(own.length).split(/ +/));
      return pack([own + words[0], ...words.slice(1)], width, own + indent);
    })
    .join('\n');
}

/** Units that stay on the line of the number before them ("0.38 s", not "0.38⏎s"). */
const UNIT = /^(s|ms|MB|GB|KB|bytes?)[),.;:]*$/;

function glueUnits(words: string[]): string[] {
  const glued: string[] = [];
  for (const word of words) {
    const last = glued.length - 1;
    if (last >= 0 && UNIT.test(word) && /\d$/.test(glued[last])) glued[last] += ` ${word}`;
    else glued.push(word);
  }
  return glued;
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

/**
 * An image of bytes drawn two characters per pixel (terminal cells are about twice as tall as
 * wide); where that is wider than `columns` (a 28-pixel image wants 58), one character per
 * pixel and a line per two rows (their mean), which keeps the shape.
 */
export function drawImage(
  pixels: Uint8Array,
  height: number,
  width: number,
  columns = Infinity,
): string {
  const narrow = 2 * width + 2 > columns;
  const border = `+${'-'.repeat(narrow ? width : 2 * width)}+`;
  const lines = [border];
  const shade = (value: number) =>
    SHADES[Math.min(SHADES.length - 1, Math.floor((value / 256) * SHADES.length))];
  for (let r = 0; r < height; r += narrow ? 2 : 1) {
    let line = '|';
    for (let c = 0; c < width; c++) {
      const below = narrow && r + 1 < height ? pixels[(r + 1) * width + c] : pixels[r * width + c];
      const value = (pixels[r * width + c] + below) / 2;
      line += narrow ? shade(value) : shade(value) + shade(value);
    }
    lines.push(line + '|');
  }
  lines.push(border);
  return lines.join('\n');
}

/** The step of an axis over a span with at most about 10 steps: 1, 2 or 5 × 10ⁿ. */
function niceStep(span: number): number {
  const rough = span / 10;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough * (1 - 1e-9))!;
}

export interface Axis {
  low: number;
  high: number;
  /** The axis's values as written: `low` and `high` with as many decimals as its step needs. */
  lowText: string;
  highText: string;
}

/**
 * The axis of a dot plot of `values` (already scaled, e.g. percentages): from a round value at
 * or below the smallest to one at or above the largest, at least `minSpan` wide, within
 * [floor, ceiling]. It need not start at 0: dots, unlike bars, are read by their position.
 */
export function dotAxis(values: number[], unit = '%', minSpan = 1, floor = 0, ceiling = 100): Axis {
  const min = Math.min(...values);
  const max = Math.max(...values);
  // a span narrower than minSpan gets ends on a grid of minSpan / 2: round labels (92.0–93.0%)
  const step = max - min < minSpan ? minSpan / 2 : niceStep(max - min);
  let low = Math.floor(min / step + 1e-9) * step;
  let high = Math.ceil(max / step - 1e-9) * step;
  if (high - low < minSpan - 1e-9) high = low + minSpan;
  if (high > ceiling) [low, high] = [Math.max(floor, low - (high - ceiling)), ceiling];
  if (low < floor) [low, high] = [floor, Math.min(ceiling, high + (floor - low))];
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return {
    low,
    high,
    lowText: `${low.toFixed(digits)}${unit}`,
    highText: `${high.toFixed(digits)}${unit}`,
  };
}

/**
 * A dot plot, a row per item (the test accuracy per epoch), fitting `columns`: the row's label,
 * a track of dots from `axis.low` to `axis.high` with ● at the value's place (the nearest of
 * its cells), and the value written out. The axis's two ends are labelled on a line above.
 * `factor` turns values into the axis's units (100 for fractions shown as percentages).
 */
export function dotPlot(
  rows: { label: string; value: number; text: string }[],
  columns: number,
  axis: Axis,
  factor = 100,
): string {
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const textWidth = Math.max(...rows.map((r) => r.text.length));
  const room = columns - labelWidth - textWidth - 2;
  const track = Math.max(axis.lowText.length + axis.highText.length + 1, Math.min(40, room));
  const header =
    ' '.repeat(labelWidth + 1) + axis.lowText + axis.highText.padStart(track - axis.lowText.length);
  const lines = rows.map(({ label, value, text }) => {
    const cell = dotCell(value * factor, axis, track);
    const dots = '·'.repeat(cell) + '●' + '·'.repeat(track - cell - 1);
    return `${label.padStart(labelWidth)} ${dots} ${text.padStart(textWidth)}`;
  });
  return [header, ...lines].join('\n');
}

/** The cell (0 … track − 1) of `value` on `axis`: its place between the ends, rounded. */
export function dotCell(value: number, axis: Axis, track: number): number {
  const place = (value - axis.low) / (axis.high - axis.low);
  return Math.min(track - 1, Math.max(0, Math.round(place * (track - 1))));
}
