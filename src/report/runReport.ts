// A run's report files: curves.svg redrawn as the run goes, then weights.png and report.html from
// the model kept and a full look at the test set. The run (run/run.ts) writes what these give.

import type { Network } from '../model/network.js';
import type { Split } from '../data/dataset.js';
import { evaluate } from '../train/evaluate.js';
import type { EpochMetrics } from '../train/records.js';
import { curvesSvg } from './curves.js';
import { reportHtml } from './html.js';
import type { RunCurves } from './series.js';
import { largestWeight, weightsPng, weightTiles } from './weights.js';

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

/** weights.png and report.html (names and contents), from the final network and the test set. */
export function reportFiles(
  config: Record<string, unknown>,
  history: EpochMetrics[],
  curves: RunCurves,
  network: Network,
  test: Split,
  /** A stopped run's mark ("stopped after epoch 2, batch 31"), on the page and the picture. */
  stopped?: string,
): [name: string, contents: string | Uint8Array][] {
  const tiles = weightTiles(network);
  const weights = weightsPng(tiles, network.input.height, network.input.width, stopped);
  const evaluation = evaluate(network, test);
  const html = reportHtml({
    config,
    history,
    curves,
    weights,
    largestWeight: largestWeight(tiles),
    evaluation,
    network,
    test,
    stopped,
  });
  return [
    ['weights.png', weights],
    ['report.html', html],
  ];
}
