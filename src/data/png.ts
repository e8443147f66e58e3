// PNG files in and out (pngjs), as grey or RGBA pixel arrays.

import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import { readInputFile } from '../inputFile.js';
import type { GreyImage } from './prepare.js';

export type { GreyImage };

/** Larger PNG files are refused unread. */
const MAX_PNG_BYTES = 64 * 1024 * 1024;
/** Pixels a PNG may declare: 25 million (5000 × 5000, 100 MB decoded as RGBA). */
export const MAX_PNG_PIXELS = 25_000_000;

/** PNG's signature, the first 8 bytes of every PNG file. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Other images, by their first bytes: named when one is given where a PNG is read. */
const OTHER_SIGNATURES: [string, (bytes: Buffer) => boolean][] = [
  ['a JPEG', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['a GIF', (b) => b.toString('latin1', 0, 4) === 'GIF8'],
  [
    'a WebP',
    (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  ],
  ['a BMP', (b) => b.toString('latin1', 0, 2) === 'BM'],
  ['a TIFF', (b) => ['II*\0', 'MM\0*'].includes(b.toString('latin1', 0, 4))],
  ['an SVG', (b) => /^\s*(<\?xml|<svg)/.test(b.toString('utf8', 0, 100))],
];

/** Refuses, by its first 8 bytes, a file that is not a PNG, naming the format it is in if known. */
function checkPngSignature(bytes: Buffer, file: string): void {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return;
  const other = OTHER_SIGNATURES.find(([, matches]) => matches(bytes))?.[0];
  const what =
    bytes.length === 0
      ? 'an empty file'
      : other
        ? `${other} image`
        : "its first bytes are not PNG's signature";
  throw new DataError(
    `${file}: not a readable PNG image: ${what} (only PNG is read; convert it to PNG first)`,
  );
}

/**
 * Refuses, from its header alone, a PNG that declares no pixels or more than MAX_PNG_PIXELS:
 * decoding a small file that declares 30000 × 30000 would take gigabytes.
 */
function checkPngSize(bytes: Buffer, file: string): void {
  // the signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4)
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return; // pngjs says why
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) {
    throw new DataError(`${file}: a PNG of ${width}×${height} pixels has no pixels`);
  }
  if (width * height > MAX_PNG_PIXELS) {
    throw new DataError(
      `${file}: a PNG of ${width}×${height} pixels, more than the ${MAX_PNG_PIXELS} this tool decodes`,
    );
  }
}

/**
 * Reads a PNG of any colour type as grey: luminance 0.299 R + 0.587 G + 0.114 B, composited
 * over white where it is transparent (a drawing on a transparent canvas is ink on paper).
 */
export function readPngGrey(file: string): GreyImage {
  const bytes = readInputFile(file, MAX_PNG_BYTES, 'a PNG image');
  checkPngSignature(bytes, file);
  checkPngSize(bytes, file);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new DataError(`${file}: not a readable PNG image (${(error as Error).message})`);
  }
  const { width, height, data } = png;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const r = data[4 * i];
    const g = data[4 * i + 1];
    const b = data[4 * i + 2];
    const alpha = data[4 * i + 3] / 255;
    const luminance = 0.299 * r + 0.587 * g + 0.114 * b;
    pixels[i] = Math.round(alpha * luminance + (1 - alpha) * 255);
  }
  return { width, height, pixels };
}

/**
 * Encodes RGBA pixels (height, width, 4) as PNG bytes. Every row is filtered with Paeth: pngjs
 * otherwise tries all five filters on each row and keeps the smallest, which costs three to four
 * times as long (about 40 ms for a run's weights.png) for files about 1% smaller.
 */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png, { filterType: PAETH });
}

/** The PNG row filter that predicts a pixel from its left, upper and upper-left neighbours. */
export const PAETH = 4;

/** Encodes grey pixels (height, width) as PNG bytes. */
export function encodeGreyPng(grey: Uint8Array, width: number, height: number): Buffer {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < grey.length; i++) {
    rgba.fill(grey[i], 4 * i, 4 * i + 3);
    rgba[4 * i + 3] = 255;
  }
  return encodePng(rgba, width, height);
}
