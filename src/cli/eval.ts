// `mnist-softmax eval`: a saved model on the test set.

import type { Engine } from '../model/engine.js';
import { readModelFile } from '../model/modelFile.js';
import { evaluate } from '../train/evaluate.js';
import { createEngine, type EngineName, type KernelChoice } from '../wasm/engine.js';
import { plural } from '../numbers.js';
import { columnsOf, percent, table, wrap } from './format.js';
import { testDataFor } from './modelData.js';

export interface EvalOptions {
  model: string;
  data?: string;
  batchSize: number;
  testLimit?: number;
  json: boolean;
  engine: EngineName;
  threads: number;
  kernels: KernelChoice;
}

export async function evalCommand(options: EvalOptions): Promise<void> {
  const engine = createEngine(options.engine, options.threads, options.kernels);
  try {
    await evalOn(engine, options);
  } finally {
    engine.close(); // its threads
  }
}

async function evalOn(engine: Engine, options: EvalOptions): Promise<void> {
  const model = await readModelFile(options.model, engine);
  const { network } = model;
  const data = await testDataFor(model, options.model, options.data, options.testLimit);
  const result = evaluate(network, data.test, options.batchSize);

  if (options.json) {
    const { accuracy, loss, perClass, confusion, count } = result;
    process.stdout.write(JSON.stringify({ accuracy, loss, perClass, confusion, count }) + '\n');
    return;
  }
  const classes = network.classes;
  const summary =
    `${data.name} test set, ${plural(result.count, 'image')}: ` +
    `accuracy ${percent(result.accuracy)}, loss ${result.loss.toFixed(4)}\n`;
  console.log(wrap(summary, columnsOf(process.stdout)));
  console.log('per class:');
  console.log(
    table([
      ['class', 'accuracy', 'images'],
      ...classes.map((name, c) => [
        name,
        result.perClass[c] === null ? '-' : percent(result.perClass[c] as number),
        String(result.confusion[c].reduce((a, b) => a + b, 0)),
      ]),
    ]),
  );
  console.log('\nconfusion matrix (rows: true class, columns: predicted):');
  console.log(
    table([
      ['', ...classes.map((_, c) => String(c))],
      // a row's number, and its name where it says more (Fashion-MNIST's, not a digit's own)
      ...result.confusion.map((row, c) => [
        classes[c] === String(c) ? classes[c] : `${c} ${classes[c]}`,
        ...row.map(String),
      ]),
    ]),
  );
}
