// `mnist-softmax explain`: one sample through a model, every quantity of one training step laid
// open (check/explain.ts computes them), and the same sample in TensorFlow.js beside it.

import { readPngGrey } from '../data/png.js';
import { prepareDigit } from '../data/prepare.js';
import { EXIT, UsageError } from '../errors.js';
import {
  Explainer,
  FORMULAS,
  recordedStepRate,
  type Explanation,
  type StepRecord,
} from '../check/explain.js';
import { compareWithTfjs, type TfjsComparison } from '../check/explainTfjs.js';
import { loadTfjs } from '../check/tfjs.js';
import { formatFloat32 } from '../model/floatText.js';
import { readModelFile } from '../model/modelFile.js';
import { describeNetwork, type InputSpec } from '../model/network.js';
import { createEngine, type EngineName } from '../wasm/engine.js';
import { columnsOf, drawImage, table, wrap } from './format.js';
import { testDataFor } from './modelData.js';

export interface ExplainOptions {
  model: string;
  index?: number;
  label?: string;
  lr?: number;
  json: boolean;
  engine: EngineName;
  data?: string;
}

/** The largest difference from TensorFlow.js that `explain` accepts (float32 rounding). */
export const TFJS_TARGET = 1e-5;

/** What `explain` prints or returns as JSON, beside the Explanation itself. */
export interface ExplainResult {
  model: string;
  network: string;
  input: InputSpec;
  engine: EngineName;
  /** "test image 7 of mnist" or the PNG's path. */
  sample: { index?: number; file?: string; description: string };
  /** Where the target came from: the test set's label or --label. */
  targetSource: string;
  learningRateSource: string;
  explanation: Explanation;
  tfjs: TfjsComparison;
}

/**
 * Prints the explanation of one sample (text, or JSON with --json). Returns the exit code: 1
 * when the TensorFlow.js difference is above its target.
 */
export async function explainCommand(
  image: string | undefined,
  options: ExplainOptions,
): Promise<number> {
  const result = await explain(image, options);
  if (options.json) process.stdout.write(JSON.stringify(explanationJson(result)) + '\n');
  else
    console.log(renderExplanation(result, Math.max(30, Math.min(80, columnsOf(process.stdout)))));
  if (!(result.tfjs.maxAbsDiff < TFJS_TARGET)) {
    console.error(
      `mnist-softmax: explain: the largest difference from TensorFlow.js, ` +
        `${short(result.tfjs.maxAbsDiff)}, is above the target ${TFJS_TARGET}`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}

/** The command's computation, without printing: what `explain` and its tests share. */
export async function explain(
  image: string | undefined,
  options: ExplainOptions,
): Promise<ExplainResult> {
  if (image !== undefined && options.index !== undefined) {
    throw new UsageError('explain takes one sample: --index N or IMAGE, not both');
  }
  if (image === undefined && options.index === undefined) {
    throw new UsageError('explain needs a sample: --index N (a test image) or IMAGE (a PNG)');
  }
  if (image !== undefined && options.label === undefined) {
    throw new UsageError(`explain ${image} needs --label K: the class the picture shows`);
  }
  // one thread: a batch of 1 is too small to share
  const engine = createEngine(options.engine, 1);
  try {
    return await explainOn(engine, image, options);
  } finally {
    engine.close();
  }
}

/** The class --label names: a class name of the model's, or a class index. */
function labelOf(text: string, classes: string[]): number {
  const byName = classes.indexOf(text);
  if (byName >= 0) return byName;
  const index = Number(text);
  if (/^\d+$/.test(text.trim()) && index < classes.length) return index;
  throw new UsageError(
    `--label ${text}: not one of the model's classes (${classes.join(', ')}) nor an index below ${classes.length}`,
  );
}

async function explainOn(
  engine: ReturnType<typeof createEngine>,
  image: string | undefined,
  options: ExplainOptions,
): Promise<ExplainResult> {
  const model = await readModelFile(options.model, engine);
  const { network, training } = model;
  const { height, width } = network.input;
  let pixels: Uint8Array;
  let label: number;
  let sample: ExplainResult['sample'];
  let targetSource: string;
  if (image !== undefined) {
    pixels = prepareDigit(readPngGrey(image), height, width).pixels;
    label = labelOf(options.label!, network.classes);
    sample = { file: image, description: `${image} (prepared as predict prepares drawings)` };
    targetSource = '--label';
  } else {
    const index = options.index!;
    const { test, name } = await testDataFor(model, options.model, options.data);
    if (index >= test.count) {
      throw new UsageError(
        `--index ${index}: the test set has ${test.count} images (0..${test.count - 1})`,
      );
    }
    const size = height * width;
    pixels = test.images.slice(index * size, (index + 1) * size);
    const testLabel = test.labels[index];
    label = options.label === undefined ? testLabel : labelOf(options.label, network.classes);
    sample = { index, description: `test image ${index} of ${name}` };
    targetSource =
      options.label === undefined
        ? 'the test label'
        : `--label (the test label is ${network.classes[testLabel]})`;
  }
  const { rate: learningRate, source: learningRateSource } =
    options.lr === undefined ? recordedStepRate(training) : { rate: options.lr, source: '--lr' };
  const explanation = new Explainer(network).explain(pixels, label, learningRate);
  const tfjs = compareWithTfjs(await loadTfjs(), network, explanation);
  return {
    model: options.model,
    network: describeNetwork(network),
    input: network.input,
    engine: options.engine,
    sample,
    targetSource,
    learningRateSource,
    explanation,
    tfjs,
  };
}

// ---- JSON ----------------------------------------------------------------------------------

/** Float32 values as the shortest decimals that read back as the same float32. */
function numbers(values: Float32Array): number[] {
  return Array.from(values, (v) => Number(formatFloat32(v)));
}

function rows(values: Float32Array, columns: number): number[][] {
  const result: number[][] = [];
  for (let i = 0; i < values.length; i += columns) {
    result.push(numbers(values.subarray(i, i + columns)));
  }
  return result;
}

function stepJson(step: StepRecord) {
  return {
    dlogits: numbers(step.dlogits),
    parameters: step.parameters.map(({ layer, type, name, shape, gradient, update }) => ({
      layer,
      type,
      name,
      shape,
      gradient: shape.length === 2 ? rows(gradient, shape[1]) : numbers(gradient),
      update: shape.length === 2 ? rows(update, shape[1]) : numbers(update),
    })),
    logitsAfter: numbers(step.logitsAfter),
    probabilitiesAfter: numbers(step.probabilitiesAfter),
    lossAfter: step.lossAfter,
  };
}

/** Whether the model has BatchNorm: only then is its inference mode worth a word. */
function hasBatchNorm(e: Explanation): boolean {
  return e.layers.some((layer) => layer.type === 'batchnorm');
}

/** The step's rule alone, without FORMULAS.sgdStep's note on BatchNorm's statistics. */
const SGD_RULE = FORMULAS.sgdStep.split('   ')[0];

/** The formulas of the layers a model has: BatchNorm's, and its note on the step, only with it. */
function formulasOf(e: Explanation) {
  if (hasBatchNorm(e)) return FORMULAS;
  const others = Object.entries(FORMULAS).filter(([name]) => !name.startsWith('batchnorm'));
  return { ...Object.fromEntries(others), sgdStep: SGD_RULE };
}

/** Every tensor, named and complete; float32 tensors as float32, losses as float64. */
export function explanationJson(result: ExplainResult) {
  const e = result.explanation;
  const classes = e.classes.length;
  return {
    model: result.model,
    network: result.network,
    engine: result.engine,
    sample: { ...result.sample, label: e.label, class: e.classes[e.label] },
    target: result.targetSource,
    mode:
      'one sample as a batch of 1' +
      (hasBatchNorm(e)
        ? '; BatchNorm in inference mode (moving statistics), also for the step'
        : ''),
    learningRate: { value: e.learningRate, source: result.learningRateSource },
    formulas: formulasOf(e),
    classes: e.classes,
    pixels: Array.from(e.pixels),
    input: numbers(e.input),
    layers: e.layers.map(({ statistics, output, ...layer }) => ({
      ...layer,
      output: numbers(output),
      ...(statistics
        ? {
            statistics: {
              movingMean: numbers(statistics.movingMean),
              movingVariance: numbers(statistics.movingVariance),
              epsilon: statistics.epsilon,
            },
          }
        : {}),
    })),
    logits: numbers(e.logits),
    probabilities: numbers(e.probabilities),
    y: numbers(e.target),
    crossEntropy: { loss: e.crossEntropy.loss, dlogits: numbers(e.crossEntropy.dlogits) },
    squaredError: {
      loss: e.squaredError.loss,
      dprobabilities: numbers(e.squaredError.dprobabilities),
      dot: e.squaredError.dot,
      dlogits: numbers(e.squaredError.dlogits),
    },
    jacobian: rows(e.jacobian, classes),
    steps: { 'cross-entropy': stepJson(e.steps['cross-entropy']), mse: stepJson(e.steps.mse) },
    tfjs: { ...result.tfjs, target: TFJS_TARGET },
  };
}

// ---- text ----------------------------------------------------------------------------------

/** A number in at most about 9 characters: 4 significant digits, an exponent when tiny or huge. */
export function short(x: number): string {
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e5) return x.toPrecision(4);
  return x.toExponential(2);
}

/**
 * A table of columns (each a header and its cells) in as many tables as `width` needs, each
 * repeating the first column.
 */
function fittedTable(columns: string[][], width: number): string {
  const widths = columns.map((column) => Math.max(...column.map((cell) => cell.length)));
  const groups: number[][] = [];
  let group: number[] = [];
  let used = widths[0];
  for (let c = 1; c < columns.length; c++) {
    if (group.length > 0 && used + 2 + widths[c] > width) {
      groups.push(group);
      group = [];
      used = widths[0];
    }
    group.push(c);
    used += 2 + widths[c];
  }
  groups.push(group);
  return groups
    .map((g) => {
      const picked = [columns[0], ...g.map((c) => columns[c])];
      return table(picked[0].map((_, r) => picked.map((column) => column[r])));
    })
    .join('\n\n');
}

/** `text` wrapped at spaces into `width` columns, every line indented by two spaces. */
function indented(text: string, width: number): string {
  return wrap(text, width - 2)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function norm(values: ArrayLike<number>, start = 0, end = values.length, stride = 1): number {
  let sum = 0;
  for (let i = start; i < end; i += stride) sum += values[i] * values[i];
  return Math.sqrt(sum);
}

function range(values: Float32Array): string {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) [min, max] = [Math.min(min, v), Math.max(max, v)];
  return `${short(min)} to ${short(max)}`;
}

function layerLines(e: Explanation, width: number): string[] {
  const lines: string[] = [];
  for (const layer of e.layers) {
    const last = layer.index === e.layers.length - 1;
    const name = `layer ${layer.index}: ${layer.type} ${layer.inputs}→${layer.outputs}`;
    const formula = layer.type in FORMULAS ? FORMULAS[layer.type as keyof typeof FORMULAS] : '';
    lines.push(wrap(`${name}, ${formula.split('   ')[0]}`, width));
    if (layer.statistics) {
      const { movingMean, movingVariance, epsilon } = layer.statistics;
      lines.push(
        indented(
          `inference mode: the moving statistics, not this batch of 1's (whose variance is 0): ` +
            `moving mean ${range(movingMean)}, moving variance ${range(movingVariance)}, ε ${epsilon}`,
          width,
        ),
      );
    }
    if (last) {
      lines.push('  out: the logits z (below)');
      continue;
    }
    const zeros = layer.output.filter((v) => v === 0).length;
    lines.push(
      indented(
        `out: ${range(layer.output)}, ‖out‖ ${short(norm(layer.output))}` +
          (layer.type === 'relu' ? `, ${zeros} of ${layer.outputs} zero` : ''),
        width,
      ),
    );
  }
  return lines;
}

function stepLines(e: Explanation, source: string, width: number): string[] {
  const ce = e.steps['cross-entropy'];
  const mse = e.steps.mse;
  const lines = [
    wrap(`One SGD step on this sample alone, at lr ${e.learningRate} (${source}):`, width),
    `  ${SGD_RULE}`,
  ];
  const lastDense = ce.parameters.filter((p) => p.type === 'dense' && p.name === 'weights').pop()!;
  const classes = e.classes.length;
  // ‖ΔW‖ = lr ‖dW‖: the step's size (float32's θ after − θ before loses steps below its rounding)
  const classNorm = (step: StepRecord, c: number) => {
    const gradient = step.parameters.find(
      (p) => p.layer === lastDense.layer && p.name === 'weights',
    )!.gradient;
    return e.learningRate * norm(gradient, c, gradient.length, classes);
  };
  if (ce.parameters.length > 2) {
    lines.push('', '‖Δθ‖ = lr ‖dL/dθ‖ per parameter:');
    const names = ce.parameters.map((p) => `${p.layer} ${p.type} ${p.name}`);
    lines.push(
      fittedTable(
        [
          ['layer', ...names],
          ['CE', ...ce.parameters.map((p) => short(e.learningRate * norm(p.gradient)))],
          ['MSE', ...mse.parameters.map((p) => short(e.learningRate * norm(p.gradient)))],
        ],
        width,
      ),
    );
  }
  lines.push(
    '',
    wrap(
      `‖ΔW‖ = lr ‖dW‖ per class (the column of layer ${lastDense.layer}'s weights into it), ` +
        'p before and after each step:',
      width,
    ),
  );
  lines.push(
    fittedTable(
      [
        ['class', ...e.classes],
        ['‖ΔW‖ CE', ...e.classes.map((_, c) => short(classNorm(ce, c)))],
        ['‖ΔW‖ MSE', ...e.classes.map((_, c) => short(classNorm(mse, c)))],
        ['p', ...Array.from(e.probabilities, short)],
        ['p CE', ...Array.from(ce.probabilitiesAfter, short)],
        ['p MSE', ...Array.from(mse.probabilitiesAfter, short)],
      ],
      width,
    ),
  );
  const label = e.classes[e.label];
  lines.push(
    '',
    wrap(
      `p of the true class ${label}: ${short(e.probabilities[e.label])} → ` +
        `${short(ce.probabilitiesAfter[e.label])} after the cross-entropy step, ` +
        `${short(mse.probabilitiesAfter[e.label])} after the squared-error step`,
      width,
    ),
    wrap(
      `loss after: cross-entropy ${short(e.crossEntropy.loss)} → ${short(ce.lossAfter)}, ` +
        `squared error ${short(e.squaredError.loss)} → ${short(mse.lossAfter)}`,
      width,
    ),
  );
  return lines;
}

function tfjsLines(tfjs: TfjsComparison, batchNorm: boolean, width: number): string[] {
  const groups: [string, (name: string) => boolean][] = [
    ['z', (n) => n === 'z'],
    ['p', (n) => n === 'p'],
    ['losses', (n) => n.endsWith(' loss')],
    ['dz', (n) => n.endsWith(' dz')],
    [batchNorm ? 'dW, db, dγ, dβ' : 'dW, db', (n) => / d\w+ \(layer/.test(n)],
    ['p after', (n) => n.endsWith('after the step')],
  ];
  const worst = tfjs.maxAbsDiff;
  const verdict = worst < TFJS_TARGET ? 'within' : 'ABOVE';
  return [
    wrap(
      `The same sample in TensorFlow.js autodiff (${tfjs.backend}): largest |difference| ` +
        `${short(worst)}, ${verdict} the target 1e-5`,
      width,
    ),
    table(
      groups.map(([label, test]) => {
        const max = Math.max(
          ...tfjs.differences.filter((d) => test(d.name)).map((d) => d.maxAbsDiff),
        );
        return [`  ${label}`, short(max)];
      }),
    ),
  ];
}

/** The explanation as text of at most `width` columns (read well from 40). */
export function renderExplanation(result: ExplainResult, width: number): string {
  const e = result.explanation;
  const { height, width: columns, scale, offset } = result.input;
  const label = e.classes[e.label];
  const ce = e.crossEntropy;
  const se = e.squaredError;
  const ratio = norm(se.dlogits) / norm(ce.dlogits);
  const out: string[] = [
    wrap(`${result.sample.description}, target class ${label} (${result.targetSource})`, width),
    wrap(`model: ${result.network}, ${result.engine} engine, from`, width),
    indented(result.model.replace(/\//g, '/ '), width).replace(/\/ /g, '/'),
    wrap(
      'One sample as a batch of 1, every number from the kernels training runs' +
        (hasBatchNorm(e)
          ? '; BatchNorm in inference mode (its moving statistics), for the step too.'
          : '.'),
      width,
    ),
    '',
    wrap(`input x = pixel · ${short(scale)} + ${offset} (${height}×${columns} pixels):`, width),
    drawImage(e.pixels, height, columns, width),
    '',
    ...layerLines(e, width),
    '',
    'softmax: p_i = exp(z_i) / Σ_j exp(z_j)',
    fittedTable(
      [
        ['class', ...e.classes],
        ['z', ...Array.from(e.logits, short)],
        ['p', ...Array.from(e.probabilities, short)],
        ['y', ...Array.from(e.target, String)],
      ],
      width,
    ),
    '',
    wrap(`cross-entropy L = −ln p_${label} = ${short(ce.loss)}`, width),
    '  dL/dz = p − y',
    wrap(`squared error L = (1/${e.classes.length}) Σ (p − y)² = ${short(se.loss)}`, width),
    `  dp = 2 (p − y) / ${e.classes.length}`,
    '  ∂p_i/∂z_j = p_i (δ_ij − p_j), so',
    `  dz = (dp − dot(dp, p)) ⊙ p`,
    `  dot(dp, p) = ${short(se.dot)}`,
    fittedTable(
      [
        ['class', ...e.classes],
        ['p − y', ...Array.from(ce.dlogits, short)],
        ['dp', ...Array.from(se.dprobabilities, short)],
        ['dz (MSE)', ...Array.from(se.dlogits, short)],
      ],
      width,
    ),
    '',
    wrap(
      `‖dz (MSE)‖ / ‖p − y‖ = ${short(ratio)}: each dz_i is multiplied by p_i, and p of the ` +
        `true class ${label} is ${short(e.probabilities[e.label])}; dp itself is 2/${e.classes.length} of p − y.`,
      width,
    ),
    '',
    ...stepLines(e, result.learningRateSource, width),
    '',
    ...tfjsLines(result.tfjs, hasBatchNorm(e), width),
  ];
  return out.join('\n');
}
