// Commander's side of the options: each command-line option made from its entry in the schema
// (run/options.ts), and the parsers of the other commands' few options. A value that is not a
// number in range is refused before any work, with the schema's message.

import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option } from './commander.js';
import { DATA_OPTION_HELP, OPTIONS_BY_NAME, type OptionSpec } from '../run/options.js';
import { OptionValueError, parseOptionText } from '../run/optionValues.js';

/** A commander parser checking text as the schema's `spec` does. */
export function parserOf(spec: OptionSpec) {
  return (text: string): unknown => {
    try {
      return parseOptionText(spec, text);
    } catch (error) {
      if (error instanceof OptionValueError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/** An integer option of another command (`--index`, `--batch-size` of eval …). */
export function integerOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return parserOf({
    name,
    flag: name,
    label: name,
    kind: 'integer',
    min,
    max,
    help: '',
    scope: 'run',
  }) as (text: string) => number;
}

/** A number option of another command (`explain --lr`): finite and above `min`. */
export function numberOption(name: string, min: number) {
  return parserOf({
    name,
    flag: name,
    label: name,
    kind: 'number',
    min,
    help: '',
    scope: 'run',
  }) as (text: string) => number;
}

/** A choice option of another command (`studio --engine`). */
export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return parserOf({
    name,
    flag: name,
    label: name,
    kind: 'choice',
    choices,
    help: '',
    scope: 'run',
  }) as (text: string) => T;
}

/** The commander option of a schema entry: the same flag, help, default and parser. */
export function commanderOption(spec: OptionSpec, runtimeDefault?: unknown): Option {
  const option = new Option(spec.argument ? `${spec.flag} ${spec.argument}` : spec.flag, spec.help);
  if (spec.kind === 'boolean') {
    // --no-shuffle brings its own default (true); a plain switch says it is off by default
    if (!spec.flag.startsWith('--no-')) option.default(spec.default);
    return option;
  }
  if (spec.kind !== 'text') option.argParser(parserOf(spec));
  const shown = runtimeDefault ?? spec.default;
  // a default described in words (hidden: "none: softmax regression") shows those words
  if (shown !== undefined) option.default(shown, spec.defaultText);
  return option;
}

const spec = (name: string) => OPTIONS_BY_NAME.get(name)!;

export const dataOption = () => commanderOption(spec('data'));

/** --data of the commands that read a model: by default the data set the model records. */
export const modelDataOption = () =>
  new Option(
    '--data <dir>',
    `${DATA_OPTION_HELP} (default: the model's own data set, as model.json records it; else mnist)`,
  );

export const engineOption = () => commanderOption(spec('engine'));

export const kernelsOption = () => commanderOption(spec('kernels'));

/** More threads than cores is allowed, with a warning: waiting threads spin and slow the others. */
function threadsParser(text: string): number {
  const threads = parserOf(spec('threads'))(text) as number;
  const cores = availableParallelism();
  if (threads > cores) {
    console.error(
      `warning: --threads ${threads} is more than the ${cores} cores: ` +
        'threads waiting for work spin, and training gets slower, not faster',
    );
  }
  return threads;
}

export const threadsOption = () =>
  commanderOption(spec('threads'), availableParallelism()).argParser(threadsParser);
