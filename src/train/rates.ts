// Learning rates set by hand while a run trains (the studio's learning-rate input): each is an
// override { step: s, lr: r } meaning "every step after the s-th uses r", the schedule no longer
// applies. The rate of a step is a pure function of the schedule's rate and the overrides, so the
// same list gives the same rates in a live run, a resume and a replay of its log.

export interface RateOverride {
  /** Steps taken when the rate was set: it applies from step `step + 1` on. */
  step: number;
  lr: number;
}

/**
 * The learning rate of step n (1-based): the last override set before it (the one with the
 * greatest `step` < n; the later of two at one step), else the schedule's rate `scheduled`.
 * `overrides` need not be sorted.
 */
export function rateAt(scheduled: number, n: number, overrides: readonly RateOverride[]): number {
  let rate = scheduled;
  let from = -1;
  for (const { step, lr } of overrides) {
    if (step < n && step >= from) {
      rate = lr;
      from = step;
    }
  }
  return rate;
}

/** Whether `lr` can be a learning rate: finite and positive (what --learning-rate accepts). */
export function isLearningRate(lr: unknown): lr is number {
  return typeof lr === 'number' && Number.isFinite(lr) && lr > 0;
}
