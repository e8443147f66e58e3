// What a network says about an image: the class probabilities of pixels prepared as its inputs
// were, and of any picture after preparing it as MNIST's digits were (data/prepare.ts). The
// command line's `predict` and the library API both use these.

import { MAX_PNG_PIXELS } from '../data/png.js';
import { prepareDigit, type GreyImage } from '../data/prepare.js';
import { UsageError } from '../errors.js';
import type { Network } from './network.js';

export interface Classification {
  /** The most likely class's name. */
  label: string;
  /** One per class, in the model's order of classes. */
  probabilities: number[];
}

/**
 * Refuses (UsageError, one line, `what` naming the argument) anything but `count` pixel values,
 * numbers in 0–255: a library caller's arguments are checked as the command line's are.
 */
function checkPixels(pixels: ArrayLike<number>, count: number, what: string): void {
  if (typeof pixels !== 'object' || pixels === null || typeof pixels.length !== 'number') {
    throw new UsageError(`${what}: not an array of pixel values`);
  }
  if (pixels.length !== count) {
    throw new UsageError(`${what}: ${pixels.length} values where ${count} are needed`);
  }
  for (let i = 0; i < count; i++) {
    const value = pixels[i];
    if (typeof value !== 'number' || !(value >= 0 && value <= 255)) {
      throw new UsageError(`${what}: value ${String(value)} at index ${i} is not a pixel (0–255)`);
    }
  }
}

/**
 * The classes of pixels already in the model's frame (height × width values 0–255, as its
 * inputs). Throws UsageError for anything else.
 */
export function classifyPixels(network: Network, pixels: ArrayLike<number>): Classification {
  const { height, width } = network.input;
  checkPixels(pixels, height * width, `classifyPixels: the ${height}×${width} model's pixels`);
  const { probabilities, predicted } = network.classify(pixels, 1); // on the network's engine
  return { label: network.classes[predicted[0]], probabilities: Array.from(probabilities) };
}

export interface ImagePrediction extends Classification {
  /** The prepared input: what the network saw (height × width bytes, light ink on black). */
  pixels: Uint8Array;
  /** Whether the picture was inverted (dark ink on light paper) when it was prepared. */
  inverted: boolean;
}

/**
 * Refuses (UsageError) an image that is not width × height pixels, each a whole number of at
 * least 1 and at most MAX_PNG_PIXELS in all (what the PNG reader decodes).
 */
function checkImage(image: GreyImage): void {
  if (typeof image !== 'object' || image === null) {
    throw new UsageError('predictImage: the image is not an object { width, height, pixels }');
  }
  const { width, height } = image;
  for (const [name, size] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(size) || size < 1) {
      throw new UsageError(`predictImage: image ${name} ${String(size)} is not a whole number ≥ 1`);
    }
  }
  if (width * height > MAX_PNG_PIXELS) {
    throw new UsageError(
      `predictImage: an image of ${width}×${height} pixels, more than the ${MAX_PNG_PIXELS} ` +
        'this tool decodes',
    );
  }
  checkPixels(image.pixels, width * height, `predictImage: the ${width}×${height} image's pixels`);
}

/**
 * What `network` says about a picture of any size (a PNG read by readPngGrey, a canvas's grey
 * pixels): prepared as MNIST's digits were (prepareDigit: inverted if light, cropped to its ink,
 * scaled into 20×20, centred by its centre of mass in the model's frame), then classified.
 * Throws UsageError for an image that is not one (see checkImage).
 */
export function predictImage(network: Network, image: GreyImage): ImagePrediction {
  checkImage(image);
  const { height, width } = network.input;
  const { pixels, inverted } = prepareDigit(image, height, width);
  return { ...classifyPixels(network, pixels), pixels, inverted };
}
