// Turning an arbitrary picture of a digit into an MNIST-style input, the way MNIST was made
// (LeCun et al.): light ink on black, the ink's bounding box scaled so that its longer side is
// 20 pixels (keeping the aspect ratio, with anti-aliasing), then placed in a 28×28 field so that
// its centre of mass is at the centre.

// No imports: the studio's page runs this same code on what a person draws.

export interface GreyImage {
  width: number;
  height: number;
  /** (height, width), row-major, 0 black .. 255 white */
  pixels: Uint8Array;
}

/** Ink is what differs from the background by more than this (of 255): faint noise is not ink. */
const INK_THRESHOLD = 8;

function borderMean(image: GreyImage): number {
  const { width, height, pixels } = image;
  let sum = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    sum += pixels[x] + pixels[(height - 1) * width + x];
    count += 2;
  }
  for (let y = 0; y < height; y++) {
    sum += pixels[y * width] + pixels[y * width + width - 1];
    count += 2;
  }
  return sum / count;
}

export interface Prepared {
  /** (height, width) light ink on black, as the model's input images */
  pixels: Uint8Array;
  /** Whether the picture was inverted (a light background: dark ink on paper). */
  inverted: boolean;
  /** Whether it was used as it is (already the model's size and MNIST-like). */
  unchanged: boolean;
}

/**
 * Prepares `image` as a (height, width) input. An image of exactly that size with a dark
 * border (light ink on black, as MNIST) passes through unchanged.
 */
export function prepareDigit(image: GreyImage, height: number, width: number): Prepared {
  const inverted = borderMean(image) > 127;
  if (!inverted && image.width === width && image.height === height) {
    return { pixels: image.pixels.slice(), inverted: false, unchanged: true };
  }
  const ink = inverted ? image.pixels.map((p) => 255 - p) : image.pixels.slice();

  // bounding box of the ink
  let top = image.height;
  let bottom = -1;
  let left = image.width;
  let right = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (ink[y * image.width + x] > INK_THRESHOLD) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  const out = new Uint8Array(height * width);
  if (bottom < 0) return { pixels: out, inverted, unchanged: false }; // blank: no ink at all

  // scale the box so that its longer side is 20/28 of the field, box-filtering (area average)
  const boxHeight = bottom - top + 1;
  const boxWidth = right - left + 1;
  const target = Math.max(1, Math.round((Math.min(height, width) * 20) / 28));
  const scale = target / Math.max(boxHeight, boxWidth);
  const scaledHeight = Math.max(1, Math.round(boxHeight * scale));
  const scaledWidth = Math.max(1, Math.round(boxWidth * scale));
  const scaled = new Float64Array(scaledHeight * scaledWidth);
  for (let sy = 0; sy < scaledHeight; sy++) {
    const y0 = top + (sy * boxHeight) / scaledHeight;
    const y1 = top + ((sy + 1) * boxHeight) / scaledHeight;
    for (let sx = 0; sx < scaledWidth; sx++) {
      const x0 = left + (sx * boxWidth) / scaledWidth;
      const x1 = left + ((sx + 1) * boxWidth) / scaledWidth;
      scaled[sy * scaledWidth + sx] = areaAverage(ink, image.width, y0, y1, x0, x1);
    }
  }

  // centre of mass of the scaled ink (in pixel indices), placed at index 14 of 28: where MNIST
  // has it (its centres of mass, measured over the test set, lie within half a pixel of 14)
  let mass = 0;
  let cy = 0;
  let cx = 0;
  for (let sy = 0; sy < scaledHeight; sy++) {
    for (let sx = 0; sx < scaledWidth; sx++) {
      const m = scaled[sy * scaledWidth + sx];
      mass += m;
      cy += m * sy;
      cx += m * sx;
    }
  }
  const offsetY = Math.round(height / 2 - cy / mass);
  const offsetX = Math.round(width / 2 - cx / mass);
  for (let sy = 0; sy < scaledHeight; sy++) {
    for (let sx = 0; sx < scaledWidth; sx++) {
      const y = sy + offsetY;
      const x = sx + offsetX;
      if (y >= 0 && y < height && x >= 0 && x < width) {
        out[y * width + x] = Math.min(255, Math.round(scaled[sy * scaledWidth + sx]));
      }
    }
  }
  return { pixels: out, inverted, unchanged: false };
}

/** Mean of `pixels` over the rectangle [y0, y1) × [x0, x1), pixels weighted by their overlap. */
function areaAverage(
  pixels: Uint8Array,
  width: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
): number {
  let sum = 0;
  let area = 0;
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    const wy = Math.min(y + 1, y1) - Math.max(y, y0);
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      const wx = Math.min(x + 1, x1) - Math.max(x, x0);
      sum += wy * wx * pixels[y * width + x];
      area += wy * wx;
    }
  }
  return sum / area;
}
