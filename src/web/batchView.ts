// The step view of a batch: after Step on a paused run, the step it took laid open (from a
// BatchSource: the studio's server, GET /api/runs/:id/step, the run's step.json; or the static
// page's worker; either way src/train/batchInside.ts's record), in the sample view's
// pictures (stepPieces.ts): the batch's digits (one Tab stop, the arrow keys between them), each
// a button that picks the sample whose p before and after the step is drawn beside its target y;
// dW, the batch's mean gradient, and ΔW, the update the optimiser applied, as one image per class
// (softmax regression) or each parameter's norms; the optimiser's rule with this step's numbers;
// the batch's loss before → after.

import type { SteppedBatch, SteppedParameter } from '../studio/api.js';
import { element } from './dom.js';
import {
  classTiles,
  colourKey,
  digitCanvas,
  formula,
  largestOf,
  LOSS_NAMES,
  operand,
  short,
  table,
  tex,
  unitBar,
} from './stepPieces.js';

/** Where the view's record of a step comes from. */
export interface BatchSource {
  /** What the view's heading names: "run 2026-12-06T21-26-40". */
  name: string;
  /** The record of step `step`, which the run has just said it took; throws saying why not. */
  record(step: number): Promise<SteppedBatch>;
}

/** How long to wait for the step's record after the run says it took it, in ms. */
const WAIT_MS = 3000;
const RETRY_MS = 150;

/** The studio's server as the source: run `run`'s step.json, asked for until it holds the step. */
export function serverBatches(run: string): BatchSource {
  return {
    name: `run ${run}`,
    async record(step) {
      const until = Date.now() + WAIT_MS;
      for (;;) {
        let json: SteppedBatch | { error: string } | null;
        try {
          const response = await fetch(`/api/runs/${encodeURIComponent(run)}/step`);
          json = (await response.json()) as SteppedBatch | { error: string } | null;
        } catch {
          json = { error: 'the studio did not answer' };
        }
        if (json && 'error' in json) throw new Error(json.error);
        if (json?.step === step) return json;
        // step.json holds the last step only: once a later one is there, this one never will be
        if (json && json.step > step) throw new Error(`step ${json.step} replaced step ${step}`);
        if (Date.now() > until) throw new Error(`the run has not recorded step ${step}`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    },
  };
}

const OPTIMIZER_NAMES = { sgd: 'SGD', momentum: 'momentum', adam: 'Adam' } as const;

/**
 * The optimiser's rule in TeX, lines aligned at their `&`, its constants substituted: the
 * parameter is W for softmax regression, each parameter otherwise; g its gradient with weight
 * decay.
 */
function rule(s: SteppedBatch, symbol: string): string[] {
  const o = s.optimizer;
  const eta = `\\eta = ${tex(s.learningRate)}`;
  switch (o.name) {
    case 'sgd':
      return [`${symbol} \\leftarrow ${symbol} - \\eta\\, g, \\qquad ${eta}`];
    case 'momentum':
      return [
        `v &\\leftarrow \\mu v + g, \\quad ${symbol} \\leftarrow ${symbol} - \\eta\\, v`,
        `\\mu &= ${tex(o.momentum)},\\; ${eta}`,
      ];
    case 'adam':
      return [
        `m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g`,
        `v &\\leftarrow \\beta_2 v + (1 - \\beta_2) g^2`,
        `${symbol} &\\leftarrow ${symbol} - \\eta \\frac{m / (1 - \\beta_1^{t})}{\\sqrt{v / (1 - \\beta_2^{t})} + \\epsilon}`,
        `\\beta_1 &= ${tex(o.beta1)},\\; \\beta_2 = ${tex(o.beta2)},\\; t = ${o.t}`,
        `\\epsilon &= ${tex(o.epsilon)},\\; ${eta}`,
      ];
  }
}

/** The entry of a parameter moved most by the update: its index. */
function largestMove(p: SteppedParameter): number {
  let at = 0;
  p.update!.forEach((v, i) => {
    if (Math.abs(v) > Math.abs(p.update![at])) at = i;
  });
  return at;
}

class BatchInsideView {
  private record: SteppedBatch | null = null;
  /** The source of the step shown. */
  private source: BatchSource | null = null;
  private selected = 0;
  private asked = 0;
  /** What the view draws into (its container holds it while shown). */
  private readonly root = element('div');

  constructor(private readonly container: HTMLElement) {}

  /** Hidden when the source shown is not named as `source` (another run is shown). */
  keepFor(source: BatchSource | undefined): void {
    if (this.container.hidden || source?.name === this.source?.name) return;
    this.asked++;
    this.container.hidden = true;
    this.container.replaceChildren();
  }

  /** Shows step `step` from `source`, once its record is there. */
  async show(source: BatchSource, step: number): Promise<void> {
    const asked = ++this.asked;
    this.source = source;
    let record: SteppedBatch | null = null;
    let problem = '';
    try {
      record = await source.record(step);
    } catch (error) {
      problem = (error as Error).message;
    }
    if (asked !== this.asked) return; // a later Step is shown instead
    this.container.replaceChildren(this.root);
    this.container.hidden = false;
    if (!record) {
      this.root.replaceChildren(element('p', { role: 'status' }, problem));
      return;
    }
    if (this.record?.step !== record.step) this.selected = 0;
    this.record = record;
    this.render();
  }

  private render(): void {
    const s = this.record!;
    const close = element('button', { type: 'button' }, 'Close the batch view');
    close.addEventListener('click', () => {
      this.container.hidden = true;
      this.container.replaceChildren();
    });
    const lossName = LOSS_NAMES[s.loss];
    this.root.replaceChildren(
      element('h3', {}, `Step ${s.step} laid open: ${this.source!.name}`),
      element(
        'p',
        { class: 'hint' },
        `Batch ${s.batch} of epoch ${s.epoch}: ${s.size} training images, ${lossName}, ` +
          `${OPTIMIZER_NAMES[s.optimizer.name]} at learning rate ${short(s.learningRate)}. ` +
          `The run took this step; these are its own numbers.`,
      ),
      element(
        'p',
        { class: 'step-rise', 'data-testid': 'batch-loss' },
        `batch loss (${lossName}): ${short(s.lossBefore)} → ${short(s.lossAfter)}`,
      ),
      element('h4', {}, 'The batch: pick an image to see its p before and after'),
      this.digits(),
      this.sample(),
      ...this.parameters(),
      element('h4', {}, 'The update, with this step’s numbers'),
      this.formulas(),
      element('div', { class: 'step-controls' }, close),
    );
  }

  /**
   * The batch's images (the first 100), each a button that selects it: one Tab stop (the selected
   * image; the others are reached with the arrow keys, Home and End), Enter or Space picks.
   */
  private digits(): HTMLElement {
    const s = this.record!;
    const side = s.height * s.width;
    const bytes = Uint8Array.from(atob(s.pixels), (c) => c.charCodeAt(0));
    const buttons = s.indices.map((index, n) => {
      const label = s.classes[s.labels[n]];
      const name = `training image ${index}, a ${label}`;
      const pixels = Array.from(bytes.subarray(n * side, (n + 1) * side));
      const button = element(
        'button',
        {
          type: 'button',
          class: 'batch-digit',
          'aria-label': name,
          'aria-pressed': String(n === this.selected),
          tabindex: n === this.selected ? '0' : '-1',
        },
        digitCanvas(pixels, name),
      );
      button.addEventListener('click', () => {
        this.selected = n;
        this.render();
        this.root.querySelectorAll<HTMLButtonElement>('.batch-digit')[n]?.focus();
      });
      return button;
    });
    const group = element(
      'div',
      { class: 'batch-digits', role: 'toolbar', 'aria-label': 'The batch’s images' },
      ...buttons,
    );
    group.addEventListener('keydown', (event) => {
      const at = buttons.indexOf(event.target as HTMLButtonElement);
      // up and down move by a row: as many images as sit beside the first
      const row = buttons.filter((b) => b.offsetTop === buttons[0].offsetTop).length;
      const moves: Record<string, number> = {
        ArrowLeft: -1,
        ArrowRight: 1,
        ArrowUp: -row,
        ArrowDown: row,
        Home: -at,
        End: buttons.length - 1 - at,
      };
      if (at < 0 || !(event.key in moves)) return;
      event.preventDefault();
      const next = Math.max(0, Math.min(buttons.length - 1, at + moves[event.key]));
      buttons[at].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });
    return group;
  }

  /** The selected sample: its p before and after the step beside its target. */
  private sample(): HTMLElement {
    const s = this.record!;
    const n = this.selected;
    const C = s.classes.length;
    const y = s.labels[n];
    const before = s.probabilitiesBefore.slice(n * C, (n + 1) * C);
    const after = s.probabilitiesAfter.slice(n * C, (n + 1) * C);
    const rows = s.classes.map((name, k) => [
      name,
      short(before[k]),
      unitBar(before[k], k === y ? 'target' : 'p'),
      short(after[k]),
      unitBar(after[k], k === y ? 'target' : 'p'),
      k === y ? '1' : '0',
    ]);
    const probabilities = table(
      `training image ${s.indices[n]} (a ${s.classes[y]}): p before and after the step, beside y`,
      ['class', 'p before', '', 'p after', '', 'y'],
      rows,
    );
    probabilities.rows[y + 1]?.classList.add('step-target-row');
    probabilities.dataset.testid = 'batch-sample';
    return element(
      'div',
      { class: 'step-row' },
      probabilities,
      element(
        'p',
        { class: 'hint' },
        `its loss ${short(s.lossesBefore[n])} → ${short(s.lossesAfter[n])}`,
      ),
    );
  }

  /** dW and ΔW as images per class (softmax regression), else each parameter's norms. */
  private parameters(): Node[] {
    const s = this.record!;
    const weights = s.parameters.find((p) => p.name === 'weights' && p.gradient && p.update);
    if (!weights) {
      return [
        table(
          'each parameter: its norm before and after, its gradient’s and its update’s',
          ['layer', 'parameter', 'shape', '‖θ‖ before', '‖dθ‖', '‖Δθ‖', '‖θ‖ after'],
          s.parameters.map((p) => [
            `${p.layer} ${p.type}`,
            p.name,
            p.shape.join(' × '),
            short(p.normBefore),
            short(p.gradientNorm),
            short(p.updateNorm),
            short(p.normAfter),
          ]),
        ),
      ];
    }
    const gradientLargest = largestOf(weights.gradient!);
    const updateLargest = largestOf(weights.update!);
    return [
      element('h4', {}, 'dW, the batch’s mean gradient of the loss, one image per class'),
      classTiles(weights.gradient!, s.classes, gradientLargest, (k) => `dW of class ${k}`),
      colourKey(gradientLargest, 'dW'),
      element('h4', {}, 'ΔW = W after − W before, the update applied, one image per class'),
      classTiles(weights.update!, s.classes, updateLargest, (k) => `update of class ${k}`),
      colourKey(updateLargest, 'ΔW'),
    ];
  }

  private formulas(): HTMLElement {
    const s = this.record!;
    const B = s.size;
    const o = s.optimizer;
    const dz =
      s.loss === 'cross-entropy'
        ? '\\frac{\\partial L_n}{\\partial z_n} &= p_n - y_n'
        : '\\frac{\\partial L_n}{\\partial z_n} &= J_n^\\top dp_n';
    const weights = s.parameters.find((p) => p.name === 'weights' && p.update);
    const symbol = weights ? 'W' : '\\theta';
    const parts: HTMLElement[] = [
      formula(
        [
          weights
            ? `dW &= \\frac{1}{B} \\sum_{n=1}^{B} x_n^\\top \\frac{\\partial L_n}{\\partial z_n}, \\quad B = ${B}`
            : `d\\theta &= \\frac{1}{B} \\sum_{n=1}^{B} \\frac{\\partial L_n}{\\partial \\theta}, \\quad B = ${B}`,
          dz,
        ],
        'the batch’s mean gradient',
      ),
      formula(
        o.weightDecay > 0
          ? `g = d${symbol} + \\lambda ${symbol}, \\quad \\lambda = ${tex(o.weightDecay)}`
          : `g = d${symbol} \\quad (\\text{no weight decay})`,
        'the gradient the optimiser takes',
      ),
      formula(rule(s, symbol), `the ${OPTIMIZER_NAMES[o.name]} update`),
    ];
    if (weights) {
      const at = largestMove(weights);
      const classes = weights.shape[1];
      const [i, k] = [Math.floor(at / classes), at % classes];
      const pixel = `${Math.floor(i / s.width)}, ${i % s.width}`;
      const g = weights.gradient![at];
      const delta = weights.update![at];

      const entry = `_{(${pixel}),\\,${k}}`;
      parts.push(
        element(
          'p',
          { class: 'hint' },
          `The weight the step moved most: pixel (${pixel}) of class ${s.classes[k]}.`,
        ),
        formula(`dW${entry} = ${tex(g)}`, 'its gradient'),
        formula(
          [
            `\\Delta W${entry} &= ${tex(weights.after![at])} - ${operand(weights.before![at])}`,
            `&= ${tex(delta)}`,
          ],
          'its update, after minus before',
        ),
      );
      if (o.name === 'sgd' && o.weightDecay === 0) {
        const lr = s.learningRate;
        parts.push(
          formula(
            [`-\\eta\\, dW${entry} &= -${tex(lr)} \\times ${operand(g)}`, `&= ${tex(-lr * g)}`],
            'SGD’s update of it',
          ),
        );
      }
    }
    parts.push(
      formula(
        [
          `L &= \\frac{1}{B} \\sum_{n=1}^{B} L_n`,
          `&= ${tex(s.lossBefore)} \\xrightarrow{\\text{step ${s.step}}} ${tex(s.lossAfter)}`,
        ],
        'the batch’s loss before and after',
      ),
    );
    return element('div', { class: 'step-formulas', 'data-testid': 'batch-formulas' }, ...parts);
  }
}

export interface BatchView {
  /** After Step: shows step `step` from `source` laid open. */
  show(source: BatchSource, step: number): Promise<void>;
  /** With the source of the run the page shows: the view of another's is closed. */
  keepFor(source: BatchSource | undefined): void;
}

/** The view, in `container` (below the training controls). */
export function mountBatchView(container: HTMLElement): BatchView {
  return new BatchInsideView(container);
}
