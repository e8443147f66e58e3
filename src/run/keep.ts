// Which epoch's model a run keeps in model.json: the last, or the one with the best validation
// accuracy (the earliest of equals); and when to stop early, after `patience` epochs without a
// better one. Only the validation split chooses: the test set never does.

import type { KeepRule } from './options.js';
import type { EpochMetrics } from '../train/records.js';

export interface Kept {
  rule: KeepRule;
  epoch: number;
}

export class EpochKeeper {
  private best: { epoch: number; accuracy: number; model: string } | null = null;
  private last = 0;

  constructor(
    readonly rule: KeepRule,
    private readonly patience?: number,
  ) {}

  /**
   * A finished epoch, and how to write its model.json text (called only if the text is kept:
   * the best epoch's, while the network holds it).
   */
  offer(metrics: EpochMetrics, serialize: () => string): void {
    this.last = metrics.epoch;
    const accuracy = metrics.validationAccuracy ?? -Infinity;
    if (this.rule === 'best' && (!this.best || accuracy > this.best.accuracy)) {
      this.best = { epoch: metrics.epoch, accuracy, model: serialize() };
    }
  }

  /**
   * The model.json to write after the last epoch offered: the text kept, or what `current`
   * gives for the network as it is (its text, or what writes it).
   */
  model<Contents>(current: () => Contents): Contents | string {
    return this.rule === 'best' && this.best ? this.best.model : current();
  }

  /**
   * A resumed run's epochs so far, and the model.json it kept (its folder's): the best epoch is
   * found again from the history, whose validation figures are the ones it was chosen by.
   */
  restore(history: EpochMetrics[], keptModel: string): void {
    for (const metrics of history) this.offer(metrics, () => '');
    if (this.best) this.best.model = keptModel;
  }

  get kept(): Kept {
    return { rule: this.rule, epoch: this.rule === 'best' ? (this.best?.epoch ?? 0) : this.last };
  }

  /** Whether `patience` epochs have passed without a better validation accuracy. */
  shouldStop(): boolean {
    return (
      this.patience !== undefined && !!this.best && this.last - this.best.epoch >= this.patience
    );
  }
}
