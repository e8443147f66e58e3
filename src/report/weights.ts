// The learned weights as pictures (the classic figure of TensorFlow's tutorial): one tile per
// class (or, for a hidden layer, per strongest unit), blue where a pixel's weight is positive
// (evidence for) and red where it is negative (evidence against), on white.

import { encodePng } from '../data/png.js';
import { Dense } from '../model/layers.js';
import type { Network } from '../model/network.js';
import { drawText, GLYPH_HEIGHT, textWidth } from './font.js';

const ZOOM = 4;
const GAP = 8;
const LABEL_SCALE = 2;
const COLUMNS = 5;
/** Hidden-layer models show this many of their first layer's units. */
const UNITS_SHOWN = 20;

export interface Tile {
  label: string;
  /** (height, width) weights */
  values: Float32Array;
}

/** The tiles of a network: its classes (softmax regression) or its first layer's strongest units. */
export function weightTiles(network: Network): Tile[] {
  const first = network.layers[0];
  if (!(first instanceof Dense)) return [];
  const { inputs, outputs, weights } = first;
  const column = (j: number) =>
    Float32Array.from({ length: inputs }, (_, i) => weights[i * outputs + j]);
  const isRegression = network.layers.length === 1;
  if (isRegression) return network.classes.map((label, c) => ({ label, values: column(c) }));
  const norms = Array.from({ length: outputs }, (_, j) => {
    let sum = 0;
    for (let i = 0; i < inputs; i++) sum += weights[i * outputs + j] ** 2;
    return { j, norm: sum };
  });
  return norms
    .sort((a, b) => b.norm - a.norm)
    .slice(0, UNITS_SHOWN)
    .map(({ j }) => ({ label: `unit ${j}`, values: column(j) }));
}

/** The largest |weight| of the tiles: full blue (+) or full red (−) in the picture. */
export function largestWeight(tiles: Tile[]): number {
  let largest = 0;
  for (const tile of tiles) for (const v of tile.values) largest = Math.max(largest, Math.abs(v));
  return largest;
}

/**
 * The tiles in a grid, labelled, as PNG bytes; a caption (a stopped run's mark) above them. A
 * `zoom` below the usual 4 pixels a weight (the studio's small snapshots) has smaller labels.
 */
export function weightsPng(
  tiles: Tile[],
  height: number,
  width: number,
  caption?: string,
  zoom = ZOOM,
): Buffer {
  const tileWidth = width * zoom;
  const tileHeight = height * zoom;
  const labelScale = zoom >= ZOOM ? LABEL_SCALE : 1;
  const labelHeight = GLYPH_HEIGHT * labelScale + 6;
  const columns = Math.min(COLUMNS, Math.max(1, tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  const imageWidth = GAP + columns * (tileWidth + GAP);
  const captionHeight = caption ? labelHeight + GAP : 0;
  const imageHeight = captionHeight + GAP + rows * (tileHeight + labelHeight + GAP);
  const rgba = new Uint8Array(imageWidth * imageHeight * 4).fill(255);
  const largest = largestWeight(tiles);
  const scale = largest > 0 ? 1 / largest : 0;

  tiles.forEach((tile, t) => {
    const left = GAP + (t % columns) * (tileWidth + GAP);
    const top = captionHeight + GAP + Math.floor(t / columns) * (tileHeight + labelHeight + GAP);
    for (let y = 0; y < tileHeight; y++) {
      for (let x = 0; x < tileWidth; x++) {
        const v = tile.values[Math.floor(y / zoom) * width + Math.floor(x / zoom)] * scale;
        const fade = Math.round(255 * (1 - Math.min(1, Math.abs(v))));
        const at = 4 * ((top + y) * imageWidth + left + x);
        // positive: white → blue; negative: white → red
        rgba[at] = v >= 0 ? fade : 255;
        rgba[at + 1] = fade;
        rgba[at + 2] = v >= 0 ? 255 : fade;
        rgba[at + 3] = 255;
      }
    }
    const label = tile.label.slice(0, Math.floor(tileWidth / ((3 + 1) * labelScale)));
    const labelLeft = left + Math.floor((tileWidth - textWidth(label, labelScale)) / 2);
    drawText(rgba, imageWidth, label, labelLeft, top + tileHeight + 4, labelScale, [0, 0, 0]);
  });
  if (caption) drawText(rgba, imageWidth, caption.toUpperCase(), GAP, GAP, labelScale, [0, 0, 0]);
  return encodePng(rgba, imageWidth, imageHeight);
}
