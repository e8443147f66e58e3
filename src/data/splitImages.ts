// A split's images a range at a time, as the wasm engine compresses them chunk by chunk into its
// own memory: from the file a split was loaded from (dataset.ts), which is then never held in
// memory whole, else from the split's `images`. No Node.js imports: the browser's engine
// bundles it.

import type { Split } from './dataset.js';

/** Where a split's pixels can be read by ranges: an IDX file (idx.ts IdxFile). */
export interface PixelRanges {
  /** Pixels [from, from + into.length), counted over all images, copied into `into`. */
  copy(from: number, into: Uint8Array): void;
}

/** The files of the splits loaded from them, by split (a copy of a split is not among them). */
const files = new WeakMap<object, PixelRanges>();

/** Has copyImages read `split`'s images from `file`. */
export function readImagesFrom(split: Split, file: PixelRanges): void {
  files.set(split, file);
}

/** Images `first` … of `split`, as many as fill `into`, copied into it. */
export function copyImages(
  split: Pick<Split, 'images' | 'height' | 'width'>,
  first: number,
  into: Uint8Array,
): void {
  const from = first * split.height * split.width;
  const file = files.get(split);
  if (file) file.copy(from, into);
  else into.set(split.images.subarray(from, from + into.length));
}
