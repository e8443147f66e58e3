// The command line: options and their defaults, then one function per command.
// Heavy modules (tfjs) are imported inside the commands that need them, so --help stays fast.

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from './commander.js';
import { EXIT, UserError } from '../errors.js';
import {
  choiceOption,
  dataOption,
  engineOption,
  kernelsOption,
  integerOption,
  modelDataOption,
  numberOption,
  threadsOption,
} from './options.js';
import { trainOptions } from './trainOptions.js';
import { ENGINES } from '../wasm/engineNames.js';
import { columnsOf, helpWidthOf, wrap } from './format.js';
import { examplesText, helpConfiguration, outputConfiguration } from './help.js';

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
  .configureHelp(helpConfiguration)
  .configureOutput(outputConfiguration)
  .exitOverride();

const train = program
  .command('train')
  .description(
    'train a softmax regression (or a small network) and save metrics and model.json in a run folder',
  )
  .action(async (options, command: Command) => {
    const { trainCommand } = await import('./train.js');
    const given = Object.keys(options).filter(
      (name) => command.getOptionValueSource(name) === 'cli',
    );
    await trainCommand(options, new Set(given));
  });
for (const option of trainOptions()) train.addOption(option);

program
  .command('eval')
  .description('loss, accuracy, per-class accuracy and confusion matrix of a model on the test set')
  .requiredOption('--model <file>', 'model.json written by train (or its run folder)')
  .addOption(modelDataOption())
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
  .addOption(kernelsOption())
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
    '--engines',
    'instead, check every wasm kernel against its reference function on real MNIST batches, in every configuration the engine can choose',
    false,
  )
  .addOption(kernelsOption())
  .option(
    '--json',
    'print {ok, checks: [{name, reference, maxAbsError, maxRelError, ok}]} as JSON (--engines: {ok, checks: [{configuration, tensor, kernels, …}]})',
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
  .addOption(kernelsOption())
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
  .argument('[images...]', 'PNG files ("-": one read from standard input)')
  .requiredOption('--model <file>', 'model.json written by train (or its run folder)')
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
  .addOption(modelDataOption())
  .addOption(engineOption())
  .option('--show', 'draw each prepared 28×28 input: what the model saw', false)
  .option('--json', 'print {predictions: [{file, label, probabilities}]} as JSON', false)
  .action(async (images, options) => {
    const { predictCommand } = await import('./predict.js');
    await predictCommand(images, options);
  });

program
  .command('explain')
  .description(
    'one sample through a model, laid open: each layer, z, p, both losses and their gradients, one SGD step, and the same in TensorFlow.js',
  )
  .argument('[image]', 'a PNG (prepared as predict prepares drawings); needs --label')
  .requiredOption('--model <file>', 'model.json written by train')
  .addOption(
    new Option('--index <n>', 'test-set image N instead of a PNG').argParser(
      integerOption('--index', 0),
    ),
  )
  .option('--label <k>', 'the target class (required with IMAGE; default: the test label)')
  .addOption(
    new Option(
      '--lr <rate>',
      "learning rate of the SGD step shown (default: the run's base rate, its --lr, as model.json records it, not what its schedule or a rate set by hand made of it; else 0.5)",
    ).argParser(numberOption('--lr', 0)),
  )
  .addOption(modelDataOption())
  .addOption(engineOption())
  .option('--json', 'print every tensor, named and complete, and the formulas as JSON', false)
  .action(async (image, options) => {
    const { explainCommand } = await import('./explain.js');
    commandExitCode = await explainCommand(image, options);
  });

program
  .command('export')
  .description(
    'write a model as a TensorFlow.js LayersModel or an ONNX model, or its weights as a picture',
  )
  .requiredOption('--model <file>', 'model.json written by train (or its run folder)')
  .option('--tfjs <dir>', 'folder for a tfjs LayersModel: model.json and weights.bin')
  .option('--onnx <file>', 'ONNX model (opset 17): raw pixels 0–255 in, class probabilities out')
  .option(
    '--png <file>',
    'PNG of the weights: one tile per class (blue +, red −), or per strongest unit',
  )
  .option(
    '--force',
    'overwrite an existing --png or --onnx file, write into a --tfjs folder with files',
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

program
  .command('studio')
  .description(
    'a live local web page: watch the runs of a folder, start and stop runs, compare them, draw digits',
  )
  .option('--runs <dir>', 'the runs folder to show and to start runs in', 'runs')
  .option('--host <host>', 'the address to listen on (loopback only by default)', '127.0.0.1')
  .addOption(
    new Option('--port <n>', 'the port to listen on (0: any free port)')
      .default(5151)
      .argParser(integerOption('--port', 0, 65535)),
  )
  .addOption(
    new Option('--max-runs <n>', 'runs started from the page that train at once (others wait)')
      .default(availableParallelism(), 'the number of cores')
      .argParser(integerOption('--max-runs', 1, 64)),
  )
  .addOption(
    new Option(
      '--engine <name>',
      "the engine of the page's predictions and evaluations (each run names its own)",
    )
      .default('wasm')
      .argParser(choiceOption('--engine', ENGINES)),
  )
  .option(
    '--static <dir>',
    'write a folder that any static web server can serve, whose page trains in the browser (nothing is served); ' +
      'on one thread, or one per core where the server sends Cross-Origin-Opener-Policy: same-origin and ' +
      'Cross-Origin-Embedder-Policy: require-corp (the folder holds a _headers file saying so for Netlify and Cloudflare Pages)',
  )
  .addOption(
    new Option('--static-train <n>', 'with --static: the training images it ships (the first n)')
      .default(20000)
      .argParser(integerOption('--static-train', 1, 60000)),
  )
  .option(
    '--static-full',
    'with --static: ship all 60000 training images (instead of --static-train)',
  )
  .option('--force', 'with --static: replace a folder that is not empty')
  .action(async (options) => {
    const { studioCommand } = await import('./studio.js');
    await studioCommand(options);
  });

/** Two or three examples at the end of each command's --help. */
const EXAMPLES: Record<string, string[]> = {
  train: [
    'mnist-softmax train                  # softmax regression, embedded MNIST',
    'mnist-softmax train --hidden 256 --batchnorm --data fashion',
    'mnist-softmax train --optimizer lbfgs --weight-decay 1.6666667e-5',
  ],
  eval: [
    'mnist-softmax eval --model runs/a/model.json   # on its own data set',
    'mnist-softmax eval --model model.json --data path/to/idx-folder --json',
  ],
  inspect: [
    'mnist-softmax inspect t10k-images-idx3-ubyte --index 7',
    'mnist-softmax inspect train-labels-idx1-ubyte.gz --json',
  ],
  examples: ['mnist-softmax examples', 'mnist-softmax examples --json'],
  gradcheck: [
    'mnist-softmax gradcheck',
    'mnist-softmax gradcheck --engines     # wasm kernels against the reference',
  ],
  bench: [
    'mnist-softmax bench             # wasm, reference and tfjs, in one session',
    'mnist-softmax bench --tfjs-batches 2 --json',
  ],
  predict: [
    'mnist-softmax predict --model runs/a/model.json digit.png --show',
    'cat digit.png | mnist-softmax predict --model model.json -   # stdin',
    'mnist-softmax predict --model model.json --index 0 --json',
  ],
  explain: [
    'mnist-softmax explain --model runs/a/model.json --index 0',
    'mnist-softmax explain --model model.json digit.png --label 3 --lr 0.5',
    'mnist-softmax explain --model model.json --index 7 --json > step.json',
  ],
  export: [
    'mnist-softmax export --model model.json --tfjs tfjs-model',
    'mnist-softmax export --model model.json --onnx model.onnx',
    'mnist-softmax export --model model.json --png weights.png',
  ],
  compare: [
    'mnist-softmax compare runs/a runs/b runs/c   # writes compare.html',
    'mnist-softmax compare runs/* --out all.html --force',
  ],
  studio: [
    'mnist-softmax studio            # http://127.0.0.1:5151',
    'mnist-softmax studio --runs experiments --port 0',
  ],
};
for (const command of program.commands) {
  const examples = EXAMPLES[command.name()];
  if (examples) {
    command.addHelpText('after', ({ error }) =>
      examplesText(examples, helpWidthOf(error ? process.stderr : process.stdout)),
    );
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const debug = program.opts().debug || process.argv.includes('--debug');
  if (error instanceof UserError) {
    console.error(wrap(`mnist-softmax: error: ${error.message}`, columnsOf(process.stderr)));
    if (debug) console.error(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(wrap(`mnist-softmax: internal error: ${message}`, columnsOf(process.stderr)));
  if (debug) console.error(error instanceof Error ? error.stack : error);
  else {
    const hint = '(run again with --debug for the stack trace, and please report it)';
    console.error(wrap(hint, columnsOf(process.stderr)));
  }
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
