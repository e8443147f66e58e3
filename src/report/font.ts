// A 3×5 pixel font for labels in PNG pictures: each glyph is five rows of three bits, written in
// octal (4 = left, 2 = middle, 1 = right pixel), top row first.

const GLYPHS: Record<string, number> = {
  '0': 0o75557,
  '1': 0o26227,
  '2': 0o71747,
  '3': 0o71717,
  '4': 0o55711,
  '5': 0o74717,
  '6': 0o74757,
  '7': 0o71222,
  '8': 0o75757,
  '9': 0o75717,
  A: 0o25755,
  B: 0o65656,
  C: 0o34443,
  D: 0o65556,
  E: 0o74647,
  F: 0o74644,
  G: 0o34553,
  H: 0o55755,
  I: 0o72227,
  J: 0o11152,
  K: 0o55655,
  L: 0o44447,
  M: 0o57755,
  N: 0o65555,
  O: 0o25552,
  P: 0o65644,
  Q: 0o25563,
  R: 0o65655,
  S: 0o34216,
  T: 0o72222,
  U: 0o55557,
  V: 0o55552,
  W: 0o55775,
  X: 0o55255,
  Y: 0o55222,
  Z: 0o71247,
  '-': 0o00700,
  '/': 0o11244,
  '(': 0o12221,
  ')': 0o42224,
  '.': 0o00002,
  ' ': 0,
};

export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** Width in pixels of `text` at `scale`, one blank column between glyphs. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Draws `text` (upper-cased; unknown characters as blanks) into RGBA pixels. */
export function drawText(
  rgba: Uint8Array,
  imageWidth: number,
  text: string,
  left: number,
  top: number,
  scale: number,
  colour: [number, number, number],
): void {
  [...text.toUpperCase()].forEach((character, index) => {
    const glyph = GLYPHS[character] ?? 0;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      const bits = (glyph >> (3 * (GLYPH_HEIGHT - 1 - row))) & 7;
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if (!(bits & (4 >> column))) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = left + (index * (GLYPH_WIDTH + 1) + column) * scale + dx;
            const y = top + row * scale + dy;
            const at = 4 * (y * imageWidth + x);
            rgba[at] = colour[0];
            rgba[at + 1] = colour[1];
            rgba[at + 2] = colour[2];
            rgba[at + 3] = 255;
          }
        }
      }
    }
  });
}
