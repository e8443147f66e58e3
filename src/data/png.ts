// PNG files in and out (pngjs), as grey or RGBA pixel arrays.

import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import type { GreyImage } from './prepare.js';

export type { GreyImage };

/**
 * Reads a PNG of any colour type as grey: luminance 0.299 R + 0.587 G + 0.114 B, composited
 * over white where it is transparent (a drawing on a transparent canvas is ink on paper).
 */
export function readPngGrey(file: string): GreyImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
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

/** Encodes RGBA pixels (height, width, 4) as PNG bytes. */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}

/** Encodes grey pixels (height, width) as PNG bytes. */
export function encodeGreyPng(grey: Uint8Array, width: number, height: number): Buffer {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < grey.length; i++) {
    rgba.fill(grey[i], 4 * i, 4 * i + 3);
    rgba[4 * i + 3] = 255;
  }
  return encodePng(rgba, width, height);
}
