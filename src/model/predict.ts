// What a network says about an image: the class probabilities of pixels prepared as its inputs
// were, and of any picture after preparing it as MNIST's digits were (data/prepare.ts). The
// command line's `predict` and the library API both use these.

import { prepareDigit, type GreyImage } from '../data/prepare.js';
import type { Network } from './network.js';
import { argmax } from './tensor.js';

export interface Classification {
  /** The most likely class's name. */
  label: string;
  /** One per class, in the model's order of classes. */
  probabilities: number[];
}

/** The classes of pixels already in the model's frame (height × width values 0–255, as its inputs). */
export function classifyPixels(network: Network, pixels: ArrayLike<number>): Classification {
  const { scale, offset } = network.input;
  const x = Float32Array.from(pixels, (p) => p * scale + offset);
  const probabilities = Array.from(network.predict(x, 1));
  return { label: network.classes[argmax(probabilities)], probabilities };
}

export interface ImagePrediction extends Classification {
  /** The prepared input: what the network saw (height × width bytes, light ink on black). */
  pixels: Uint8Array;
  /** Whether the picture was inverted (dark ink on light paper) when it was prepared. */
  inverted: boolean;
}

/**
 * What `network` says about a picture of any size (a PNG read by readPngGrey, a canvas's grey
 * pixels): prepared as MNIST's digits were (prepareDigit: inverted if light, cropped to its ink,
 * scaled into 20×20, centred by its centre of mass in the model's frame), then classified.
 */
export function predictImage(network: Network, image: GreyImage): ImagePrediction {
  const { height, width } = network.input;
  const { pixels, inverted } = prepareDigit(image, height, width);
  return { ...classifyPixels(network, pixels), pixels, inverted };
}
