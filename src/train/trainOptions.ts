// The options of `train`, defined once: the command line parses them, the studio checks a run's
// options with the same parsers before it starts a `train` (studio/trainRequest.ts), and a run
// checks the options of the library API and of a checkpoint with them too (run.ts).

import { Option } from 'commander';
import { isObject } from '../model/modelFile.js';
import { ACTIVATIONS } from '../model/activations.js';
import { LOSSES } from './losses.js';
import {
  DEFAULT_EPOCHS,
  DEFAULT_LEARNING_RATES,
  KEEP_RULES,
  RUN_DEFAULTS,
  SOLVERS,
} from './defaults.js';
import { OPTIMIZERS, SCHEDULES } from './optimizers.js';
import {
  choiceOption,
  dataOption,
  engineOption,
  fractionOption,
  integerOption,
  listOption,
  numberOption,
  threadsOption,
} from './options.js';

export function trainOptions(): Option[] {
  return [
    dataOption(),
    new Option(
      '--epochs <n>',
      `passes over the training set (default: ${DEFAULT_EPOCHS.softmaxRegression} for softmax ` +
        `regression, ${DEFAULT_EPOCHS.hidden} with hidden layers)`,
    ).argParser(integerOption('--epochs', 1)),
    new Option('--batch-size <n>', 'samples per step')
      .default(RUN_DEFAULTS.batchSize)
      .argParser(integerOption('--batch-size', 1)),
    new Option(
      '--lr <rate>',
      'learning rate (default: ' +
        OPTIMIZERS.map((name) => `${DEFAULT_LEARNING_RATES[name]} for ${name}`).join(', ') +
        ')',
    ).argParser(numberOption('--lr', 0)),
    new Option('--seed <n>', 'seed of shuffling and initial weights')
      .default(RUN_DEFAULTS.seed)
      .argParser(integerOption('--seed', 0, 2 ** 32 - 1)),
    new Option('--no-shuffle', 'keep the training set in file order'),
    new Option('--train-limit <n>', 'use only the first N training images').argParser(
      integerOption('--train-limit', 1),
    ),
    new Option('--test-limit <n>', 'use only the first N test images').argParser(
      integerOption('--test-limit', 1),
    ),
    new Option('--steps <n>', 'stop after N steps in all (overrides --epochs)').argParser(
      integerOption('--steps', 1),
    ),
    new Option('--hidden <sizes>', 'hidden dense layers, e.g. 256 or 512,256')
      .default([], 'none: softmax regression')
      .argParser(listOption('--hidden', 1)),
    new Option('--activation <name>', 'activation of the hidden layers')
      .default(RUN_DEFAULTS.activation)
      .argParser(choiceOption('--activation', ACTIVATIONS)),
    new Option(
      '--batchnorm',
      'BatchNorm after each hidden dense layer, before its activation',
    ).default(false),
    new Option(
      '--init <scheme>',
      "initial weights: zeros (as TensorFlow's tutorial), xavier (Glorot uniform), he (He uniform)",
    )
      .default('auto', 'zeros for softmax regression; he before ReLU, xavier elsewhere')
      .argParser(choiceOption('--init', ['auto', 'zeros', 'xavier', 'he'] as const)),
    new Option('--loss <name>', 'cross-entropy, or mse (squared error of the softmax output)')
      .default(RUN_DEFAULTS.loss)
      .argParser(choiceOption('--loss', LOSSES)),
    new Option(
      '--optimizer <name>',
      'sgd, momentum, adam, or lbfgs (full-batch L-BFGS, softmax regression only; --epochs ' +
        'counts its iterations, default ' +
        `${DEFAULT_EPOCHS.lbfgsIterations})`,
    )
      .default(RUN_DEFAULTS.optimizer)
      .argParser(choiceOption('--optimizer', SOLVERS)),
    new Option('--momentum <mu>', 'momentum of --optimizer momentum')
      .default(RUN_DEFAULTS.momentum)
      .argParser(fractionOption('--momentum')),
    new Option('--beta1 <b>', "Adam's beta1")
      .default(RUN_DEFAULTS.beta1)
      .argParser(fractionOption('--beta1')),
    new Option('--beta2 <b>', "Adam's beta2")
      .default(RUN_DEFAULTS.beta2)
      .argParser(fractionOption('--beta2')),
    new Option('--adam-epsilon <e>', "Adam's epsilon")
      .default(RUN_DEFAULTS.adamEpsilon)
      // float32 holds little below 1e-30: a smaller ε is 0, and Adam divides by √v̂ + ε
      .argParser(numberOption('--adam-epsilon', 1e-30, true)),
    new Option(
      '--weight-decay <lambda>',
      "L2 weight decay: adds lambda · W to the dense weights' gradient",
    )
      .default(RUN_DEFAULTS.weightDecay)
      .argParser(numberOption('--weight-decay', 0, true)),
    new Option(
      '--lr-schedule <name>',
      'constant; step (÷10 after 1/2 and 3/4 of the epochs); cosine',
    )
      .default(RUN_DEFAULTS.lrSchedule)
      .argParser(choiceOption('--lr-schedule', SCHEDULES)),
    new Option(
      '--val-split <f>',
      'share of the training images held out (seeded) to choose the epoch kept, 0 for none',
    )
      .default(RUN_DEFAULTS.valSplit)
      .argParser(fractionOption('--val-split')),
    new Option(
      '--keep <epoch>',
      'the epoch model.json holds: best (validation accuracy) or last (default: best with ' +
        '--val-split, else last)',
    ).argParser(choiceOption('--keep', KEEP_RULES)),
    new Option(
      '--early-stop <n>',
      'stop after N epochs without a better validation accuracy (needs --val-split)',
    ).argParser(integerOption('--early-stop', 1)),
    new Option(
      '--log-every <n>',
      'steps between the lines of events.jsonl, 0 for none (default: about 50 lines an epoch: 12 ' +
        'on MNIST with batches of 100)',
    ).argParser(integerOption('--log-every', 0)),
    new Option(
      '--out <dir>',
      'run folder for metrics.json, metrics.csv, model.json (default: runs/<timestamp>)',
    ),
    new Option('--force', 'write into a run folder that already holds files').default(false),
    new Option('--no-progress', 'print one line per epoch instead of a progress bar'),
    new Option('--json', 'print one JSON object with the results on stdout').default(false),
    new Option(
      '--preset <name>',
      "tf-beginners: zeros, SGD 0.5, batch 100, exactly 1000 steps (TensorFlow's tutorial); overrides those options",
    ).argParser(choiceOption('--preset', ['tf-beginners'] as const)),
    engineOption(),
    threadsOption(),
    new Option(
      '--check-tfjs',
      'train the same model in TensorFlow.js alongside and compare weights after each epoch',
    ).default(false),
    new Option(
      '--resume <dir>',
      'continue an interrupted run from its checkpoint, with its own options (--epochs may extend it)',
    ),
  ];
}

/** The train options by their names in JSON (camelCase, as in metrics.json's config). */
export function trainOptionsByName(): Map<string, Option> {
  return new Map(trainOptions().map((option) => [option.attributeName(), option]));
}

/** A value as the command line would receive it: `256,128` for a list. */
function asText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length <= 200) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join(',');
  return null;
}

/**
 * Checks one option's value given as JSON (by the studio's page, or saved in a checkpoint) with
 * the option's own parser; returns its arguments and parsed value, or throws the message.
 */
export function parseOptionValue(
  option: Option,
  value: unknown,
): { args: string[]; parsed: unknown } {
  const flag = option.long!;
  if (option.negate || option.isBoolean()) {
    if (typeof value !== 'boolean') throw new Error(`${flag} must be true or false`);
    // --no-shuffle: false is the flag; --batchnorm: true is
    const given = option.negate ? !value : value;
    return { args: given ? [flag] : [], parsed: value };
  }
  const text = asText(value);
  if (text === null) throw new Error(`${flag} must be a number, a word or a list of numbers`);
  const parsed = option.parseArg ? option.parseArg(text, undefined) : text;
  return { args: [flag, text], parsed };
}

/**
 * Options given as an object (a checkpoint's, or the library API's), each checked by its
 * command-line parser: the first problem, or null. A value equal to the option's default
 * passes as it is (`hidden: []`).
 */
export function optionsProblem(saved: unknown): string | null {
  if (!isObject(saved)) {
    return 'its options are not an object';
  }
  const byName = trainOptionsByName();
  for (const [name, value] of Object.entries(saved)) {
    const option = byName.get(name);
    if (!option) return `"${name}" is not a train option`;
    if (value === undefined || JSON.stringify(value) === JSON.stringify(option.defaultValue)) {
      continue;
    }
    try {
      parseOptionValue(option, value);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return null;
}
