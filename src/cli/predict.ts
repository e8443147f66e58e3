// `mnist-softmax predict`: what a saved model says about pictures (PNG) or test-set samples.

import { readPngGrey } from '../data/png.js';
import { UsageError } from '../errors.js';
import type { Engine } from '../model/engine.js';
import { readModelFile } from '../model/modelFile.js';
import { classifyPixels, predictImage } from '../model/predict.js';
import { createEngine, type EngineName } from '../wasm/engine.js';
import { columnsOf, drawImage, percent, wrap } from './format.js';
import { testDataFor } from './modelData.js';

export interface PredictOptions {
  model: string;
  top: number;
  json: boolean;
  show: boolean;
  index?: number;
  data?: string;
  engine: EngineName;
}

interface Prediction {
  file?: string;
  index?: number;
  trueLabel?: string;
  label: string;
  probabilities: number[];
}

export async function predictCommand(images: string[], options: PredictOptions): Promise<void> {
  if (images.length === 0 && options.index === undefined) {
    throw new UsageError('predict needs IMAGE files or --index N');
  }
  // one thread: a few images are too small to share among threads
  const engine = createEngine(options.engine, 1);
  try {
    await predictOn(engine, images, options);
  } finally {
    engine.close();
  }
}

async function predictOn(engine: Engine, images: string[], options: PredictOptions) {
  const model = await readModelFile(options.model, engine);
  const { network } = model;
  const { height, width } = network.input;
  const predictions: Prediction[] = [];
  const shown: Uint8Array[] = [];

  for (const file of images) {
    const { label, probabilities, pixels } = predictImage(network, readPngGrey(file));
    if (!pixels.some((pixel) => pixel > 0)) {
      const warning = `warning: ${file}: no ink found (a blank image): its prediction means nothing`;
      console.error(wrap(warning, columnsOf(process.stderr)));
    }
    predictions.push({ file, label, probabilities });
    shown.push(pixels);
  }
  if (options.index !== undefined) {
    const { test } = await testDataFor(model, options.model, options.data);
    if (options.index >= test.count) {
      throw new UsageError(`--index ${options.index}: the test set has ${test.count} images`);
    }
    const size = test.height * test.width;
    const pixels = test.images.subarray(options.index * size, (options.index + 1) * size);
    predictions.push({
      index: options.index,
      trueLabel: network.classes[test.labels[options.index]],
      ...classifyPixels(network, pixels),
    });
    shown.push(pixels);
  }

  if (options.json) {
    process.stdout.write(JSON.stringify({ predictions }) + '\n');
    return;
  }
  predictions.forEach((prediction, p) => {
    const name = prediction.file ?? `test image ${prediction.index}`;
    const truth = prediction.trueLabel === undefined ? '' : ` (true label ${prediction.trueLabel})`;
    console.log(`${name}: ${prediction.label}${truth}`);
    const ranked = prediction.probabilities
      .map((probability, c) => ({ label: network.classes[c], probability }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, options.top);
    for (const { label, probability } of ranked) {
      console.log(`  ${label.padEnd(12)} ${percent(probability).padStart(7)}`);
    }
    if (options.show) console.log(drawImage(shown[p], height, width, columnsOf(process.stdout)));
  });
}
