// Weight pictures over training, for the studio's slider: snapshots/step-<n>.png, the weight
// tiles of weights.png (softmax regression: the ten classes; deeper models: the first layer's
// strongest units) as of step n. Taken every `every(S)` steps, where at step S
//
//   every(S) = BASE · 2^k,  k the least with ⌊S / (BASE · 2^k)⌋ ≤ MAX_SNAPSHOTS
//
// and only multiples of every(S) are kept (older ones thinned as the run grows), so a run holds
// at most MAX_SNAPSHOTS pictures whatever its length, and which it holds is a function of its
// step alone: a resume deletes those past its checkpoint and takes them again.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '../model/network.js';
import { weightsPng, weightTiles } from '../report/weights.js';
import { createFolder } from '../folders.js';
import { writeFileAtomic } from './runFiles.js';

export const SNAPSHOTS_FOLDER = 'snapshots';
/** The most pictures a run keeps. */
export const MAX_SNAPSHOTS = 48;
/** Pixels a weight: half weights.png's, a picture of ten tiles in about 4 ms. */
const ZOOM = 2;
/** Steps between pictures while a run is short. */
export const SNAPSHOT_BASE = 25;

const NAME = /^step-(\d{9})\.png$/;

/** The steps between kept pictures at step `step` (see the file's head). */
export function snapshotEvery(step: number): number {
  let every = SNAPSHOT_BASE;
  while (Math.floor(step / every) > MAX_SNAPSHOTS) every *= 2;
  return every;
}

export const snapshotName = (step: number) => `step-${String(step).padStart(9, '0')}.png`;

/** The steps of a run folder's pictures, in order (none when it has none). */
export function snapshotSteps(folder: string): number[] {
  let names: string[];
  try {
    names = readdirSync(join(folder, SNAPSHOTS_FOLDER));
  } catch {
    return [];
  }
  return names
    .map((name) => NAME.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

export class WeightSnapshots {
  private readonly dir: string;
  private steps: number[];

  /** Starts after `step` steps (a resume's checkpoint): pictures past it are deleted. */
  constructor(folder: string, step: number) {
    this.dir = join(folder, SNAPSHOTS_FOLDER);
    createFolder(this.dir);
    this.steps = snapshotSteps(folder);
    for (const later of this.steps.filter((s) => s > step)) this.remove(later);
    this.steps = this.steps.filter((s) => s <= step);
  }

  /** After step `step`: a picture when it is due, and the ones no longer kept deleted. */
  afterStep(step: number, network: Network): void {
    if (step % SNAPSHOT_BASE !== 0) return;
    const every = snapshotEvery(step);
    if (step % every !== 0) return;
    const tiles = weightTiles(network);
    if (tiles.length === 0) return;
    const { height, width } = network.input;
    writeFileAtomic(
      join(this.dir, snapshotName(step)),
      weightsPng(tiles, height, width, undefined, ZOOM),
    );
    this.steps.push(step);
    for (const old of this.steps.filter((s) => s % every !== 0)) this.remove(old);
    this.steps = this.steps.filter((s) => s % every === 0);
  }

  private remove(step: number): void {
    rmSync(join(this.dir, snapshotName(step)), { force: true });
  }
}
