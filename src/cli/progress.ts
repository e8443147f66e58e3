// Progress on stderr: a bar per epoch on a terminal, nothing between epoch lines elsewhere.

import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { BatchProgress } from '../train/trainer.js';
import { columnsOf, percent } from './format.js';

export class EpochProgress {
  private bar: cliProgress.SingleBar | null = null;
  private enabled: boolean;
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
      // loaded with the first bar: a run piped or with --no-progress never draws one
      const { SingleBar, Presets } = createRequire(import.meta.url)(
        'cli-progress',
      ) as typeof cliProgress;
      this.bar = new SingleBar(
        {
          stream: process.stderr,
          ...fitted(payload.epochLabel, progress.batches, columnsOf(process.stderr)),
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
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

  /** Removes the bar for good, before a message (Ctrl-C's): no bar is drawn over it. */
  stop(): void {
    this.endEpoch();
    this.enabled = false;
  }
}

/**
 * The bar's format and width for a line of at most `columns`: the bar takes
 * what the text leaves, 10 to 40 cells; on a narrow terminal the loss and accuracy go first.
 */
export function fitted(label: string, batches: number, columns: number) {
  const count = `${batches}/${batches}`;
  const eta = ' | ETA 00m00s'; // cli-progress's longest under an hour
  const stats = ' | loss 0.0000 acc 100.00%';
  const room = (text: string) => columns - `${label}  ${count}${text}`.length;
  const withStats = room(eta + stats) >= 10;
  return {
    format: `{epochLabel} {bar} {value}/{total}${eta.replace('00m00s', '{eta_formatted}')}${
      withStats ? ' | loss {loss} acc {accuracy}' : ''
    }`,
    barsize: Math.max(1, Math.min(40, room(withStats ? eta + stats : eta))),
  };
}
