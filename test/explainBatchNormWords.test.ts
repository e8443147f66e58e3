// explain speaks of BatchNorm (its inference mode, dγ and dβ) only for a model that has it: a
// plain 784-10 model's text and JSON say nothing of it. Real models trained here on MNIST.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain, explanationJson, renderExplanation } from '../src/cli/explain.js';
import { train } from '../src/index.js';
import { temporaryFolder } from './helpers.js';

const folder = temporaryFolder();

/** What explain prints and writes as JSON for test image 0 through a model trained so. */
async function explained(name: string, options: Record<string, unknown>) {
  const out = join(folder, name);
  await train({ epochs: 1, trainLimit: 2000, testLimit: 200, ...options }, { out, threads: 1 });
  const result = await explain(undefined, {
    model: join(out, 'model.json'),
    index: 0,
    engine: 'wasm',
    json: false,
  });
  return { text: renderExplanation(result, 80), json: JSON.stringify(explanationJson(result)) };
}

describe('explain’s words on BatchNorm', () => {
  it('are absent for a model without it', async () => {
    const { text, json } = await explained('plain', { optimizer: 'sgd' });
    expect(text).toContain(
      'One sample as a batch of 1, every number from the kernels training runs.',
    );
    expect(text).toMatch(/^ {2}dW, db +\S/m);
    for (const output of [text, json]) expect(output).not.toMatch(/BatchNorm|batchnorm|γ|β/);
  });

  it('are there for a model with it', async () => {
    const { text, json } = await explained('batchnorm', { hidden: [16], batchnorm: true });
    expect(text.replace(/\s+/g, ' ')).toContain(
      'BatchNorm in inference mode (its moving statistics), for the step too.',
    );
    expect(text).toMatch(/^ {2}dW, db, dγ, dβ +\S/m);
    expect(JSON.parse(json).mode).toContain('BatchNorm in inference mode');
  });
});
