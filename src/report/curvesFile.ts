// curves.svg as a run goes: redrawn after an epoch at most once a second, and at the end. The
// run (run/run.ts) writes what it gives.

import type { EpochMetrics } from '../train/records.js';
import { curvesSvg } from './curves.js';

/**
 * curves.svg, redrawn after an epoch at most once a second (and at the end): drawing takes time
 * linear in the epochs so far, and a run of many short epochs must stay linear in all.
 */
export class CurvesFile {
  private drawn = -Infinity;

  /** `write` puts the picture in its file. */
  constructor(private readonly write: (svg: string) => void) {}

  /** Draws the curves and writes them; returns the picture. */
  draw(history: EpochMetrics[]): string {
    const svg = curvesSvg(history);
    this.write(svg);
    this.drawn = performance.now();
    return svg;
  }

  /** Draws them unless they were drawn less than a second ago. */
  drawAfterEpoch(history: EpochMetrics[]): void {
    if (performance.now() - this.drawn >= 1000) this.draw(history);
  }
}
