// A run's report files at its end: weights.png and report.html from the model kept and a full
// look at the test set (curves.svg is redrawn as the run goes: curvesFile.ts). The run
// (run/run.ts) writes what these give, and loads this module (pngjs with it) only for them.

import type { Network } from '../model/network.js';
import type { Split } from '../data/dataset.js';
import { evaluate } from '../train/evaluate.js';
import type { EpochMetrics } from '../train/records.js';
import { reportHtml } from './html.js';
import type { RunCurves } from './series.js';
import { largestWeight, weightsPng, weightTiles } from './weights.js';

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
