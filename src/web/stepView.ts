// The step view: one sample (a test image or the drawing) through a run's model, every tensor of
// one training step laid open (from an ExplanationSource: the studio's server, POST
// /api/runs/:id/explain, src/studio/stepViews.ts; or the static page's worker): the input, the
// logits z and probabilities p beside the target y, p − y (cross-entropy's ∂L/∂z) beside squared
// error's ∂L/∂z on one scale, dW as one 28×28 image per class (softmax regression) or each
// parameter's norms (deeper models), the formulas with this sample's numbers (KaTeX, its fonts
// beside the page), and "Apply this step": that one SGD update applied to the source's copy of
// the model (the run's own model is never changed), p and the weights shown before and after.

import 'katex/dist/katex.min.css';
import './stepView.css';
import type { ExplainAnswer, StepAnswer } from '../studio/api.js';
import { api, element } from './dom.js';
import {
  classTiles,
  colourKey,
  digitCanvas,
  formula,
  largestOf,
  LOSS_NAMES,
  norm,
  operand,
  short,
  signedBar,
  SIDE,
  table,
  tex,
  unitBar,
} from './stepPieces.js';

/** Where the view's answers come from (check/stepCopy.ts computes them, wherever it runs). */
export interface ExplanationSource {
  /** What the view's heading names: "run 2026-12-06T21-26-40". */
  name: string;
  /** The sample on the source's copy of the model (`reset`: a fresh copy first). */
  explain(request: Sample & { reset: boolean }): Promise<ExplainAnswer>;
  /** That sample's step, applied to the copy. */
  step(sample: Sample): Promise<StepAnswer>;
}

export type Sample = { index: number } | { pixels: number[]; label: number };

/** The drawing as the model sees it (the page's prepared 28×28 canvas); null if none is drawn. */
function drawnPixels(): number[] | null {
  const prepared = document.getElementById('prepared') as HTMLCanvasElement | null;
  const data = prepared?.getContext('2d')?.getImageData(0, 0, SIDE, SIDE).data;
  const pixels = data ? Array.from({ length: SIDE * SIDE }, (_, i) => data[4 * i]) : [];
  return pixels.some((v) => v > 0) ? pixels : null;
}

/** The view, for the source it is opened with. */
class StepView {
  private source: ExplanationSource | null = null;
  private sample: Sample = { index: 0 };
  /** Where the sample's target is from, when the status should say: "the model’s prediction". */
  private targetFrom = '';
  private record: ExplainAnswer | null = null;
  private readonly index: HTMLInputElement;
  /** The drawing's class: "" (the default) for the model's prediction of it, else a class. */
  private readonly drawingLabel: HTMLSelectElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private readonly stepResult: HTMLElement;
  private readonly stepButton: HTMLButtonElement;

  constructor(private readonly container: HTMLElement) {
    this.index = element('input', { type: 'number', min: '0', value: '0', id: 'step-index' });
    this.drawingLabel = element('select', { id: 'step-drawing-label' });
    this.classOptions(Array.from({ length: 10 }, (_, k) => String(k)));
    this.status = element('p', { class: 'step-status', role: 'status', 'aria-live': 'polite' });
    this.body = element('div', { class: 'step-body' });
    this.stepResult = element('div', { class: 'step-result' });
    this.stepButton = element('button', { type: 'button' }, 'Apply this step');
  }

  open(source: ExplanationSource): void {
    this.source = source;
    const previous = element('button', { type: 'button' }, 'Previous test image');
    const next = element('button', { type: 'button' }, 'Next test image');
    const show = element('button', { type: 'button' }, 'Show test image');
    const drawing = element('button', { type: 'button' }, 'Use my drawing');
    const reset = element('button', { type: 'button' }, 'Reset to the run’s model');
    const close = element('button', { type: 'button' }, 'Close the step view');
    previous.addEventListener('click', () => this.moveIndex(-1));
    next.addEventListener('click', () => this.moveIndex(1));
    show.addEventListener('click', () => this.showIndex());
    this.index.addEventListener('change', () => this.showIndex());
    drawing.addEventListener('click', () => void this.useDrawing());
    reset.addEventListener('click', () => void this.load(true));
    this.stepButton.onclick = () => void this.step();
    close.addEventListener('click', () => {
      this.container.hidden = true;
      this.container.replaceChildren();
    });
    this.container.replaceChildren(
      element('h2', {}, `One training step, laid open: ${source.name}`),
      element(
        'p',
        { class: 'hint' },
        'The step is applied to a copy of the model held for this view; the run itself is not changed.',
      ),
      element(
        'div',
        { class: 'step-controls' },
        element('label', { for: 'step-index' }, 'Test image'),
        this.index,
        show,
        previous,
        next,
      ),
      element(
        'div',
        { class: 'step-controls' },
        element('label', { for: 'step-drawing-label' }, 'Class of my drawing'),
        this.drawingLabel,
        drawing,
      ),
      element('div', { class: 'step-controls' }, this.stepButton, reset, close),
      this.status,
      this.stepResult,
      this.body,
    );
    this.container.hidden = false;
    this.stepResult.replaceChildren();
    // a digit drawn on the canvas is what the reader wants laid open; else the test image
    if (drawnPixels()) void this.useDrawing();
    else void this.load(false);
    this.container.scrollIntoView({ block: 'start' });
  }

  /** The drawing's class choices: the model's prediction first (the default), then `classes`. */
  private classOptions(classes: string[]): void {
    const kept = this.drawingLabel.value;
    this.drawingLabel.replaceChildren(
      element('option', { value: '' }, 'the model’s prediction'),
      ...classes.map((name, k) => element('option', { value: String(k) }, name)),
    );
    this.drawingLabel.value = Number(kept) < classes.length ? kept : '';
  }

  private moveIndex(delta: number): void {
    this.index.value = String(Math.max(0, (Number(this.index.value) || 0) + delta));
    this.showIndex();
  }

  private showIndex(): void {
    const index = Number(this.index.value);
    if (!Number.isInteger(index) || index < 0) {
      this.status.textContent = 'Test image: give a whole number from 0.';
      return;
    }
    this.sample = { index };
    this.targetFrom = '';
    this.stepResult.replaceChildren();
    void this.load(false);
  }

  /** The drawing, its class the one chosen or the model's prediction. */
  private async useDrawing(): Promise<void> {
    const pixels = drawnPixels();
    if (!pixels) {
      this.status.textContent = 'Draw a digit first (in “Draw a digit”).';
      return;
    }
    this.stepResult.replaceChildren();
    const chosen = this.drawingLabel.value;
    if (chosen !== '') {
      this.sample = { pixels, label: Number(chosen) };
      this.targetFrom = '';
      return this.load(false);
    }
    // the model's prediction: p does not depend on the target, so any target's answer gives it
    this.status.textContent = 'Working it out…';
    const asked = await this.ask((source) => source.explain({ pixels, label: 0, reset: false }));
    if (!asked) return;
    const p = asked.probabilities;
    this.sample = { pixels, label: p.indexOf(Math.max(...p)) };
    this.targetFrom = 'the model’s prediction';
    await this.load(false);
  }

  /** The source's answer, or null with its error in the status line. */
  private async ask<T>(question: (source: ExplanationSource) => Promise<T>): Promise<T | null> {
    try {
      return await question(this.source!);
    } catch (error) {
      this.status.textContent = (error as Error).message;
      return null;
    }
  }

  private async load(reset: boolean): Promise<void> {
    this.status.textContent = 'Working it out…';
    const record = await this.ask((source) => source.explain({ ...this.sample, reset }));
    if (!record) return;
    if (reset) this.stepResult.replaceChildren();
    this.record = record;
    this.classOptions(record.classes);
    const rate = `lr ${short(record.learningRate)} (${record.learningRateSource})`;
    const steps = record.stepsTaken === 1 ? '1 step' : `${record.stepsTaken} steps`;
    this.status.textContent =
      `${record.sample.description}, target class ${record.classes[record.label]}` +
      `${this.targetFrom ? ` (${this.targetFrom})` : ''}; ` +
      `“Apply this step” uses ${LOSS_NAMES[record.loss]}, the run’s loss, at ${rate}; ` +
      `the view’s copy has taken ${steps}.`;
    this.render(record);
  }

  private render(e: ExplainAnswer): void {
    const label = e.label;
    const input = element(
      'figure',
      { class: 'step-figure' },
      digitCanvas(e.pixels, `the input: ${e.sample.description}`),
      element('figcaption', {}, `input x: ${e.sample.description}, target ${e.classes[label]}`),
    );

    const zLargest = largestOf(e.logits);
    const outputs = table(
      'logits z and probabilities p beside the target y',
      ['class', 'z', '', 'p', '', 'y'],
      e.classes.map((name, k) => [
        name,
        short(e.logits[k]),
        signedBar(e.logits[k], zLargest, 'z'),
        short(e.probabilities[k]),
        unitBar(e.probabilities[k], k === label ? 'target' : 'p'),
        String(e.target[k]),
      ]),
    );
    outputs.rows[label + 1]?.classList.add('step-target-row');
    outputs.dataset.testid = 'step-outputs';

    const ce = e.crossEntropy.dlogits;
    const se = e.squaredError.dlogits;
    const gLargest = largestOf(ce, se);
    const gradients = table(
      `∂L/∂z on one scale (±${short(gLargest)}): cross-entropy’s p − y beside squared error’s`,
      ['class', 'p − y', '', 'squared error ∂L/∂z', ''],
      e.classes.map((name, k) => [
        name,
        short(ce[k]),
        signedBar(ce[k], gLargest, 'ce'),
        short(se[k]),
        signedBar(se[k], gLargest, 'se'),
      ]),
    );

    const step = e.steps[e.loss];
    const parts: Node[] = [
      element('div', { class: 'step-row' }, input, outputs),
      gradients,
      element(
        'p',
        { class: 'hint' },
        `Squared error’s gradient is p − y taken through the softmax’s Jacobian: ` +
          `‖p − y‖ = ${short(norm(ce))}, its ‖∂L/∂z‖ = ${short(norm(se))}.`,
      ),
    ];

    const weights = step.parameters.find((p) => p.name === 'weights' && p.gradient);
    if (e.softmaxRegression && weights?.gradient) {
      const dW = weights.gradient;
      const largest = largestOf(dW);
      parts.push(
        element('h3', {}, `dW = xᵀ ∂L/∂z for ${LOSS_NAMES[e.loss]}, one image per class`),
        classTiles(dW, e.classes, largest, (name) => `dW of class ${name}`),
        colourKey(largest, 'dW'),
      );
    } else {
      parts.push(
        table(
          `each parameter’s gradient for ${LOSS_NAMES[e.loss]} (‖Δθ‖ = lr ‖dθ‖)`,
          ['layer', 'parameter', 'shape', '‖dθ‖', '‖Δθ‖'],
          step.parameters.map((p) => [
            `${p.layer} ${p.type}`,
            p.name,
            p.shape.join(' × '),
            short(p.gradientNorm),
            short(p.updateNorm),
          ]),
        ),
      );
    }
    parts.push(element('h3', {}, 'The formulas, with this sample’s numbers'), this.formulas(e));
    this.body.replaceChildren(...parts);
  }

  private formulas(e: ExplainAnswer): HTMLElement {
    const y = e.label;
    const z = e.logits;
    const p = e.probabilities;
    const C = e.classes.length;
    const dp = e.squaredError.dprobabilities;
    const dot = e.squaredError.dot;
    const sumExp = z.reduce((s, v) => s + Math.exp(v - Math.max(...z)), 0);
    const step = e.steps[e.loss];
    const dz = step.dlogits[y];
    return element(
      'div',
      { class: 'step-formulas', 'data-testid': 'step-formulas' },
      formula(
        [
          `p_{${y}} &= \\frac{e^{z_{${y}} - \\max z}}{\\sum_j e^{z_j - \\max z}}`,
          `&= \\frac{e^{${tex(z[y])} - ${operand(Math.max(...z))}}}{${tex(sumExp)}} = ${tex(p[y])}`,
        ],
        'softmax',
      ),
      formula(
        [`L_{CE} &= -\\ln p_{${y}} = -\\ln ${tex(p[y])}`, `&= ${tex(e.crossEntropy.loss)}`],
        'cross-entropy',
      ),
      formula(
        [
          `\\frac{\\partial L_{CE}}{\\partial z_{${y}}} &= p_{${y}} - y_{${y}}`,
          `&= ${tex(p[y])} - 1 = ${tex(e.crossEntropy.dlogits[y])}`,
        ],
        'cross-entropy gradient',
      ),
      formula(
        [`L_{SE} &= \\frac{1}{${C}} \\sum_i (p_i - y_i)^2`, `&= ${tex(e.squaredError.loss)}`],
        'squared error',
      ),
      formula(
        [
          `dp_{${y}} &= \\tfrac{2}{${C}}(p_{${y}} - y_{${y}}) = ${tex(dp[y])}`,
          `s &= \\textstyle\\sum_j dp_j\\, p_j = ${tex(dot)}`,
        ],
        'squared error’s gradient of p, and its dot product with p',
      ),
      formula(
        [
          `\\frac{\\partial L_{SE}}{\\partial z_{${y}}} &= p_{${y}} \\left(dp_{${y}} - s\\right)`,
          `&= ${tex(p[y])} \\left(${tex(dp[y])} ${dot < 0 ? '+' : '-'} ${tex(Math.abs(dot))}\\right)`,
          `&= ${tex(e.squaredError.dlogits[y])}`,
        ],
        'squared error gradient through the softmax Jacobian',
      ),
      ...this.weightFormulas(e, dz),
      formula(
        `p_{${y}}: ${tex(p[y])} \\xrightarrow{\\text{one step}} ${tex(step.probabilitiesAfter[y])}`,
        'the probability of the target after the step',
      ),
    );
  }

  /**
   * The gradient of the weights that give z, and the SGD step: for softmax regression x_i is a
   * pixel; for deeper models they are the last dense layer's, whose input is h (the layer
   * before's output), not the image.
   */
  private weightFormulas(e: ExplainAnswer, dz: number): HTMLElement[] {
    const y = e.label;
    const eta = `\\eta = ${tex(e.learningRate)}`;
    const dLdz = `\\frac{\\partial L}{\\partial z_{${y}}}`;
    if (e.softmaxRegression) {
      return [
        formula(
          [
            `dW_{i,${y}} &= x_i \\, ${dLdz} = x_i \\times ${operand(dz)}`,
            `W &\\leftarrow W - \\eta\\, dW, \\quad ${eta}`,
          ],
          'weight gradient and SGD step',
        ),
      ];
    }
    const layer = e.steps[e.loss].parameters
      .filter((p) => p.type === 'dense' && p.name === 'weights')
      .pop()!.layer;
    const W = `W^{(${layer})}`;
    return [
      element(
        'p',
        { class: 'hint' },
        `Layer ${layer}’s weights, which give z: their input h is layer ${layer - 1}’s output for this image, not its pixels. Every parameter takes the same step.`,
      ),
      formula(
        [
          `d${W}_{i,${y}} &= h_i \\, ${dLdz} = h_i \\times ${operand(dz)}`,
          `\\theta &\\leftarrow \\theta - \\eta\\, d\\theta, \\quad ${eta}`,
        ],
        `layer ${layer}’s weight gradient and the SGD step`,
      ),
    ];
  }

  private async step(): Promise<void> {
    if (!this.record) return;
    this.stepButton.disabled = true;
    try {
      const answer = await this.ask((source) => source.step(this.sample));
      if (!answer) return;
      this.renderStep(answer);
      await this.load(false);
    } finally {
      this.stepButton.disabled = false;
    }
  }

  private renderStep(s: StepAnswer): void {
    const classes = this.record!.classes;
    const y = s.label;
    const rows = classes.map((name, k) => [
      name,
      short(s.probabilitiesBefore[k]),
      unitBar(s.probabilitiesBefore[k], k === y ? 'target' : 'p'),
      short(s.probabilitiesAfter[k]),
      unitBar(s.probabilitiesAfter[k], k === y ? 'target' : 'p'),
    ]);
    const parts: Node[] = [
      element('h3', {}, `After step ${s.stepsTaken} (${s.loss}, lr ${short(s.learningRate)})`),
      element(
        'p',
        { class: 'step-rise', 'data-testid': 'step-rise' },
        `p of the true class ${classes[y]}: ${short(s.probabilitiesBefore[y])} → ` +
          `${short(s.probabilitiesAfter[y])}; loss ${short(s.lossBefore)} → ${short(s.lossAfter)}`,
      ),
      table('p before and after the step', ['class', 'p before', '', 'p after', ''], rows),
    ];
    if (s.weightsBefore && s.weightsAfter && s.shape) {
      const largest = largestOf(s.weightsBefore, s.weightsAfter);
      const tiles = (matrix: number[], when: string) =>
        classTiles(matrix, classes, largest, (name) => `weights of class ${name} ${when}`);
      parts.push(
        element('h3', {}, 'Weights W before the step'),
        tiles(s.weightsBefore, 'before'),
        element('h3', {}, 'Weights W after the step'),
        tiles(s.weightsAfter, 'after'),
        colourKey(largest, 'W'),
      );
    } else {
      parts.push(
        table(
          'each parameter’s norm before and after',
          ['layer', 'parameter', '‖θ‖ before', '‖θ‖ after', '‖Δθ‖'],
          s.parameters.map((p) => [
            String(p.layer),
            p.name,
            short(p.normBefore),
            short(p.normAfter),
            short(p.updateNorm),
          ]),
        ),
      );
    }
    this.stepResult.replaceChildren(...parts);
  }
}

/**
 * This page's view id, made once: the server holds a copy of each run's model per view, so what
 * another page steps is not this one's.
 */
const VIEW = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
  b.toString(16).padStart(2, '0'),
).join('');

/** The studio's server as the source: the run's endpoints, its errors as their one line. */
export function serverSource(run: string): ExplanationSource {
  const post = async <T>(path: string, body: object): Promise<T> => {
    const { status, json } = await api<T & { error?: string }>(
      `/api/runs/${encodeURIComponent(run)}/${path}`,
      { ...body, view: VIEW },
    );
    if (status !== 200) throw new Error(json.error ?? `the studio answered ${status}`);
    return json;
  };
  return {
    name: `run ${run}`,
    explain: (request) => post('explain', request),
    step: (sample) => post('explain/step', sample),
  };
}

/**
 * The button opens the view in `container` for the source `source()` gives (the selected run
 * with a model), or says there is none.
 */
export function mountStepView(
  button: HTMLButtonElement,
  container: HTMLElement,
  source: () => ExplanationSource | undefined,
): void {
  const view = new StepView(container);
  button.addEventListener('click', () => {
    const chosen = source();
    if (chosen) return view.open(chosen);
    container.hidden = false;
    container.replaceChildren(element('p', { role: 'status' }, 'No run has a model yet.'));
  });
}
