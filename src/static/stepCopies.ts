// The static page's step view, in its worker: a copy of the network the worker trains (or last
// trained), on a single-threaded wasm engine of its own, that test images and drawings are
// explained on and Step moves (check/stepCopy.ts, as the studio's server does with a run's
// model.json). The copy is made afresh when the page asks (reset), for a new run, and when the
// run has taken steps since it was made; the run's own network is never changed.

import { StepCopy } from '../check/stepCopy.js';
import type { Split } from '../data/dataset.js';
import { parseModel, serializeModel } from '../model/modelFile.js';
import type { Network } from '../model/network.js';
import type { LossName } from '../train/losses.js';
import { WasmEngine } from '../wasm/engine.js';
import type { FromWorker, StepSample, ToWorker } from './protocol.js';

/** The run the view copies, as the worker has it now. */
export interface RunNow {
  network: Network;
  /** Steps the run has taken. */
  step: number;
  /** The rate Step applies: a rate set by hand, else the run's base rate. */
  learningRate: number;
  /** Where that rate is from, as the view says it. */
  learningRateSource: string;
  loss: LossName;
}

type Question = Extract<ToWorker, { type: 'explain' | 'explainStep' }>;

export class StepCopies {
  private held: { from: Network; step: number; copy: StepCopy } | null = null;

  constructor(private readonly test: Split) {}

  /** The answer to the page's question, or why there is none (as the message to post). */
  answer(question: Question, run: RunNow | null): FromWorker {
    const { id } = question;
    if (!run) {
      const error = 'No run has trained yet: start one, and the view explains its network.';
      return { type: 'unanswered', id, error };
    }
    try {
      const { pixels, label, description } = this.sample(question.sample, run.network);
      const reset = question.type === 'explain' && question.reset;
      const copy = this.copyOf(run, reset);
      if (question.type === 'explainStep') {
        return { type: 'stepped', id, answer: copy.step(pixels, label) };
      }
      const index = 'index' in question.sample ? question.sample.index : undefined;
      const answer = copy.explain(pixels, label, { index, description });
      return { type: 'explanation', id, answer };
    } catch (error) {
      return { type: 'unanswered', id, error: (error as Error).message };
    }
  }

  private copyOf(run: RunNow, reset: boolean): StepCopy {
    const held = this.held;
    if (held && !reset && held.from === run.network && held.step === run.step) return held.copy;
    // through model.json's text: every float32 written as the shortest decimal that reads back
    // as itself, so the copy is the network bit for bit (an engine of its own: the old copy's
    // memory goes with it)
    const text = serializeModel(run.network, {});
    const { network } = parseModel(text, 'the run’s network', new WasmEngine(1, 'exact'));
    const copy = new StepCopy(network, run.learningRate, run.learningRateSource, run.loss);
    this.held = { from: run.network, step: run.step, copy };
    return copy;
  }

  private sample(sample: StepSample, network: Network) {
    if ('pixels' in sample) {
      const { pixels, label } = sample;
      if (pixels.length !== network.inputSize) {
        throw new Error(`a drawing of ${pixels.length} pixels for ${network.inputSize} inputs`);
      }
      return { pixels: Uint8Array.from(pixels), label, description: 'your drawing' };
    }
    const { index } = sample;
    const { count, height, width } = this.test;
    if (!(Number.isInteger(index) && index >= 0 && index < count)) {
      throw new Error(`Test image: the shipped test set has ${count} images (0 to ${count - 1}).`);
    }
    const size = height * width;
    const pixels = this.test.images.slice(index * size, (index + 1) * size);
    return { pixels, label: this.test.labels[index], description: `test image ${index}` };
  }
}
