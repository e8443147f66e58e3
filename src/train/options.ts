// Parsers for option values: a value that is not a number in range is refused before any work.

import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import { ENGINES } from '../wasm/engineNames.js';

export function integerOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`${name} must be an integer, not "${text}".`);
    }
    if (value < min || value > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
      throw new InvalidArgumentError(`${name} must be ${range}, not ${value}.`);
    }
    return value;
  };
}

/** A finite number above `min` (or at least `min` when `inclusive`). */
export function numberOption(name: string, min: number, inclusive = false) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`${name} must be a finite number, not "${text}".`);
    }
    if (inclusive ? value < min : value <= min) {
      throw new InvalidArgumentError(
        `${name} must be ${inclusive ? 'at least' : 'above'} ${min}, not ${value}.`,
      );
    }
    return value;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (text: string): T => {
    if (!choices.includes(text as T)) {
      throw new InvalidArgumentError(
        `${name} must be one of ${choices.join(', ')}, not "${text}".`,
      );
    }
    return text as T;
  };
}

/** A number in [0, 1): momentum, Adam's betas. */
export function fractionOption(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !(value >= 0 && value < 1)) {
      throw new InvalidArgumentError(`${name} must be a number in [0, 1), not "${text}".`);
    }
    return value;
  };
}

/** A comma-separated list of integers, each at least `min`: "512,256". */
export function listOption(name: string, min: number) {
  const integer = integerOption(name, min);
  return (text: string): number[] => text.split(',').map((part) => integer(part.trim()));
}

const DATA_HELP =
  'data folder with the four MNIST IDX files (.gz allowed), or "mnist" (embedded), or "fashion" (Debian\'s dataset-fashion-mnist)';

export const dataOption = () => new Option('--data <dir>', DATA_HELP).default('mnist');

/** --data of the commands that read a model: by default the data set the model records. */
export const modelDataOption = () =>
  new Option(
    '--data <dir>',
    `${DATA_HELP} (default: the model's own data set, as model.json records it; else mnist)`,
  );

export const engineOption = () =>
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

export const threadsOption = () =>
  new Option('--threads <n>', 'threads of the wasm engine (results do not depend on it)')
    .default(availableParallelism(), 'the number of cores')
    .argParser(threadsParser);
