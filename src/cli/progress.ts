// Progress on stderr: a bar per epoch on a terminal, nothing between epoch lines elsewhere.

import cliProgress from 'cli-progress';
import type { BatchProgress } from '../train/trainer.js';
import { percent } from './format.js';

export class EpochProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly enabled: boolean;
  private lastUpdate = 0;

  constructor(
    enabled: boolean,
    private readonly epochs: number,
  ) {
    // a bar moves the cursor: only on a terminal that can (TERM=dumb cannot)
    this.enabled = enabled && Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb';
  }

  update(progress: BatchProgress): void {
    if (!this.enabled) return;
    const payload = {
      epochLabel: `epoch ${progress.epoch}/${this.epochs}`,
      loss: progress.loss.toFixed(4),
      accuracy: percent(progress.accuracy),
    };
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            '{epochLabel} {bar} {value}/{total} batches | ETA {eta_formatted} | loss {loss} acc {accuracy}',
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(progress.batches, 0, payload);
    }
    // Redrawing costs more than a batch of softmax regression: at most 20 times a second.
    const now = performance.now();
    if (now - this.lastUpdate > 50 || progress.batch === progress.batches) {
      this.bar.update(progress.batch, payload);
      this.lastUpdate = now;
    }
  }

  /** Removes the bar before the epoch's line is printed. */
  endEpoch(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
