// The command line: options and their defaults, then one function per command.
// Heavy modules (tfjs) are imported inside the commands that need them, so --help stays fast.

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, UserError } from '../errors.js';
import { ACTIVATIONS } from '../model/activations.js';
import { LOSSES } from '../train/losses.js';
import { DEFAULT_LEARNING_RATES, RUN_DEFAULTS } from '../train/defaults.js';
import { OPTIMIZERS, SCHEDULES } from '../train/optimizers.js';
import { ENGINES } from '../wasm/engineNames.js';
import {
  choiceOption,
  fractionOption,
  integerOption,
  listOption,
  numberOption,
} from './options.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Set by commands whose result can fail (checks) without an error being thrown. */
let commandExitCode: number = EXIT.ok;

const program = new Command('mnist-softmax')
  .description(
    'Softmax regression on MNIST with hand-written forward and backward passes, checked against TensorFlow.js.',
  )
  .version(version)
  .option('--debug', 'print stack traces of errors')
  .showSuggestionAfterError()
  .configureHelp({ showGlobalOptions: true })
  .configureOutput({ outputError: (text, write) => write(`mnist-softmax: ${text}`) })
  .exitOverride();

const dataOption = () =>
  new Option(
    '--data <dir>',
    'data folder with the four MNIST IDX files (.gz allowed), or "mnist" (embedded), or "fashion" (Debian\'s dataset-fashion-mnist)',
  ).default('mnist');

const engineOption = () =>
  new Option('--engine <name>', 'wasm (SIMD kernels) or reference (the readable TypeScript)')
    .default('wasm')
    .argParser(choiceOption('--engine', ENGINES));

/** More threads than cores is allowed, with a warning: waiting threads spin and slow the others. */
function threadsParser(text: string): number {
  const threads = integerOption('--threads', 1, 64)(text);
  const cores = availableParallelism();
  if (threads > cores) {
    console.error(
      `warning: --threads ${threads} is more than the ${cores} cores: ` +
        'threads waiting for work spin, and training gets slower, not faster',
    );
  }
  return threads;
}

const threadsOption = () =>
  new Option('--threads <n>', 'threads of the wasm engine (results do not depend on it)')
    .default(availableParallelism(), 'the number of cores')
    .argParser(threadsParser);

program
  .command('train')
  .description(
    'train a softmax regression (or a small network) and save metrics and model.json in a run folder',
  )
  .addOption(dataOption())
  .addOption(
    new Option('--epochs <n>', 'passes over the training set')
      .default(RUN_DEFAULTS.epochs)
      .argParser(integerOption('--epochs', 1)),
  )
  .addOption(
    new Option('--batch-size <n>', 'samples per step')
      .default(RUN_DEFAULTS.batchSize)
      .argParser(integerOption('--batch-size', 1)),
  )
  .addOption(
    new Option(
      '--lr <rate>',
      'learning rate (default: ' +
        OPTIMIZERS.map((name) => `${DEFAULT_LEARNING_RATES[name]} for ${name}`).join(', ') +
        ')',
    ).argParser(numberOption('--lr', 0)),
  )
  .addOption(
    new Option('--seed <n>', 'seed of shuffling and initial weights')
      .default(RUN_DEFAULTS.seed)
      .argParser(integerOption('--seed', 0, 2 ** 32 - 1)),
  )
  .option('--no-shuffle', 'keep the training set in file order')
  .addOption(
    new Option('--train-limit <n>', 'use only the first N training images').argParser(
      integerOption('--train-limit', 1),
    ),
  )
  .addOption(
    new Option('--test-limit <n>', 'use only the first N test images').argParser(
      integerOption('--test-limit', 1),
    ),
  )
  .addOption(
    new Option('--steps <n>', 'stop after N steps in all (overrides --epochs)').argParser(
      integerOption('--steps', 1),
    ),
  )
  .addOption(
    new Option('--hidden <sizes>', 'hidden dense layers, e.g. 256 or 512,256')
      .default([], 'none: softmax regression')
      .argParser(listOption('--hidden', 1)),
  )
  .addOption(
    new Option('--activation <name>', 'activation of the hidden layers')
      .default(RUN_DEFAULTS.activation)
      .argParser(choiceOption('--activation', ACTIVATIONS)),
  )
  .option('--batchnorm', 'BatchNorm after each hidden dense layer, before its activation', false)
  .addOption(
    new Option(
      '--init <scheme>',
      "initial weights: zeros (as TensorFlow's tutorial), xavier (Glorot uniform), he (He uniform)",
    )
      .default('auto', 'zeros for softmax regression; he before ReLU, xavier elsewhere')
      .argParser(choiceOption('--init', ['auto', 'zeros', 'xavier', 'he'] as const)),
  )
  .addOption(
    new Option('--loss <name>', 'cross-entropy, or mse (squared error of the softmax output)')
      .default(RUN_DEFAULTS.loss)
      .argParser(choiceOption('--loss', LOSSES)),
  )
  .addOption(
    new Option('--optimizer <name>', 'sgd, momentum or adam')
      .default(RUN_DEFAULTS.optimizer)
      .argParser(choiceOption('--optimizer', OPTIMIZERS)),
  )
  .addOption(
    new Option('--momentum <mu>', 'momentum of --optimizer momentum')
      .default(RUN_DEFAULTS.momentum)
      .argParser(fractionOption('--momentum')),
  )
  .addOption(
    new Option('--beta1 <b>', "Adam's beta1")
      .default(RUN_DEFAULTS.beta1)
      .argParser(fractionOption('--beta1')),
  )
  .addOption(
    new Option('--beta2 <b>', "Adam's beta2")
      .default(RUN_DEFAULTS.beta2)
      .argParser(fractionOption('--beta2')),
  )
  .addOption(
    new Option('--adam-epsilon <e>', "Adam's epsilon")
      .default(RUN_DEFAULTS.adamEpsilon)
      .argParser(numberOption('--adam-epsilon', 0)),
  )
  .addOption(
    new Option(
      '--weight-decay <lambda>',
      "L2 weight decay: adds lambda · W to the dense weights' gradient",
    )
      .default(RUN_DEFAULTS.weightDecay)
      .argParser(numberOption('--weight-decay', 0, true)),
  )
  .addOption(
    new Option(
      '--lr-schedule <name>',
      'constant; step (÷10 after 1/2 and 3/4 of the epochs); cosine',
    )
      .default(RUN_DEFAULTS.lrSchedule)
      .argParser(choiceOption('--lr-schedule', SCHEDULES)),
  )
  .addOption(
    new Option('--log-every <n>', 'steps between the lines of events.jsonl (0: no event log)')
      .default(undefined, 'about 50 lines an epoch: 12 on MNIST with batches of 100')
      .argParser(integerOption('--log-every', 0)),
  )
  .addOption(
    new Option(
      '--out <dir>',
      'run folder for metrics.json, metrics.csv, model.json (default: runs/<timestamp>)',
    ),
  )
  .option('--force', 'write into a run folder that already holds files', false)
  .option('--no-progress', 'print one line per epoch instead of a progress bar')
  .option('--json', 'print one JSON object with the results on stdout', false)
  .addOption(
    new Option(
      '--preset <name>',
      "tf-beginners: zeros, SGD 0.5, batch 100, exactly 1000 steps (TensorFlow's tutorial); overrides those options",
    ).argParser(choiceOption('--preset', ['tf-beginners'] as const)),
  )
  .addOption(engineOption())
  .addOption(threadsOption())
  .option(
    '--check-tfjs',
    'train the same model in TensorFlow.js alongside and compare weights after each epoch',
    false,
  )
  .option(
    '--resume <dir>',
    'continue an interrupted run from its checkpoint, with its own options (--epochs may extend it)',
  )
  .action(async (options, command: Command) => {
    const { trainCommand } = await import('./train.js');
    await trainCommand(options, command.getOptionValueSource('epochs') === 'cli');
  });

program
  .command('eval')
  .description('loss, accuracy, per-class accuracy and confusion matrix of a model on the test set')
  .requiredOption('--model <file>', 'model.json written by train')
  .addOption(dataOption())
  .addOption(
    new Option('--batch-size <n>', 'samples per forward pass')
      .default(1000)
      .argParser(integerOption('--batch-size', 1)),
  )
  .addOption(
    new Option('--test-limit <n>', 'use only the first N test images').argParser(
      integerOption('--test-limit', 1),
    ),
  )
  .addOption(engineOption())
  .addOption(threadsOption())
  .option('--json', 'print {accuracy, loss, perClass, confusion} as JSON on stdout', false)
  .action(async (options) => {
    const { evalCommand } = await import('./eval.js');
    await evalCommand(options);
  });

program
  .command('inspect')
  .description('show the header of an IDX file (raw or .gz) and draw one of its images')
  .argument('<file>', 'IDX file')
  .addOption(
    new Option('--index <n>', 'which image to draw')
      .default(0)
      .argParser(integerOption('--index', 0)),
  )
  .option(
    '--labels <file>',
    'labels file for the image (default: the matching *-labels-idx1-ubyte beside it)',
  )
  .option('--json', 'print the header (and the image and label) as JSON', false)
  .action(async (file, options) => {
    const { inspectCommand } = await import('./inspect.js');
    await inspectCommand(file, options);
  });

program
  .command('examples')
  .description(
    "reproduce the numeric examples of TensorFlow's softmax material, hand-written beside tfjs",
  )
  .option(
    '--json',
    'print {examples: [{name, handWritten, tfjs, expected, maxAbsDiff}]} as JSON',
    false,
  )
  .action(async (options) => {
    const { examplesCommand } = await import('./check.js');
    commandExitCode = await examplesCommand(options);
  });

program
  .command('gradcheck')
  .description(
    'check every hand-written gradient against float64 finite differences and tfjs autodiff',
  )
  .addOption(
    new Option('--seed <n>', 'seed of the random inputs')
      .default(1)
      .argParser(integerOption('--seed', 0, 2 ** 32 - 1)),
  )
  .option(
    '--json',
    'print {ok, checks: [{name, reference, maxAbsError, maxRelError, ok}]} as JSON',
    false,
  )
  .action(async (options) => {
    const { gradcheckCommand } = await import('./check.js');
    commandExitCode = await gradcheckCommand(options);
  });

program
  .command('bench')
  .description(
    'time the wasm engine, the reference engine and tfjs on the same batches (softmax regression and a 784-256-10 MLP)',
  )
  .addOption(dataOption())
  .addOption(
    new Option('--epochs <n>', 'epochs timed per engine (the median is reported)')
      .default(3)
      .argParser(integerOption('--epochs', 1)),
  )
  .addOption(
    new Option('--tfjs-batches <n>', 'batches timed in tfjs (its ms/epoch is extrapolated)')
      .default(100)
      .argParser(integerOption('--tfjs-batches', 1)),
  )
  .addOption(threadsOption())
  .addOption(
    new Option('--train-limit <n>', 'time on the first N training images only').argParser(
      integerOption('--train-limit', 1),
    ),
  )
  .option('--json', 'print the figures as JSON', false)
  .action(async (options) => {
    const { benchCommand } = await import('./bench.js');
    await benchCommand(options);
  });

program
  .command('predict')
  .description(
    'classify PNG images (any size, colour or grey; drawings welcome) or test-set samples',
  )
  .argument('[images...]', 'PNG files')
  .requiredOption('--model <file>', 'model.json written by train')
  .addOption(
    new Option('--top <k>', 'how many of the most likely classes to print')
      .default(3)
      .argParser(integerOption('--top', 1)),
  )
  .addOption(
    new Option('--index <n>', 'also predict test-set image N, with its true label').argParser(
      integerOption('--index', 0),
    ),
  )
  .addOption(dataOption())
  .option('--show', 'draw each prepared 28×28 input: what the model saw', false)
  .option('--json', 'print {predictions: [{file, label, probabilities}]} as JSON', false)
  .action(async (images, options) => {
    const { predictCommand } = await import('./predict.js');
    await predictCommand(images, options);
  });

program
  .command('export')
  .description('write a model as a TensorFlow.js LayersModel, or its weights as a picture')
  .requiredOption('--model <file>', 'model.json written by train')
  .option('--tfjs <dir>', 'folder for a tfjs LayersModel: model.json and weights.bin')
  .option(
    '--png <file>',
    'PNG of the weights: one tile per class (blue +, red −), or per strongest unit',
  )
  .option(
    '--force',
    'overwrite an existing --png file, write into a --tfjs folder with files',
    false,
  )
  .action(async (options) => {
    const { exportCommand } = await import('./export.js');
    await exportCommand(options);
  });

program
  .command('compare')
  .description(
    'overlay the curves of several runs in one page; runs that differ only in --seed are drawn as a mean with a min–max band',
  )
  .argument('<runs...>', 'run folders written by train')
  .option('--out <file>', 'the page to write (default: compare.html; with --json, none)')
  .option('--force', 'overwrite an existing --out file', false)
  .option('--json', 'print {runs, differing, entries} with the aligned series as JSON', false)
  .action(async (runs, options) => {
    const { compareCommand } = await import('./compare.js');
    compareCommand(runs, options);
  });

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const debug = program.opts().debug || process.argv.includes('--debug');
  if (error instanceof UserError) {
    console.error(`mnist-softmax: error: ${error.message}`);
    if (debug) console.error(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`mnist-softmax: internal error: ${message}`);
  if (debug) console.error(error instanceof Error ? error.stack : error);
  else console.error('(run again with --debug for the stack trace, and please report it)');
  return EXIT.failed;
}

/**
 * A closed or full stdout (`| head -n 1`, `> /dev/full`) is not an error: the results cannot be
 * read there, but a run goes on to its end and writes every file, and a command that only
 * prints finishes quietly. Errors still go to stderr.
 */
function tolerateLostStdout(): void {
  process.stdout.on('error', () => {});
}

export async function main(argv: string[]): Promise<number> {
  tolerateLostStdout();
  try {
    await program.parseAsync(argv);
    return commandExitCode;
  } catch (error) {
    return reportError(error);
  }
}
