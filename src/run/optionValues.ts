// Checking options' values against the schema (options.ts): a command line's text, or JSON from
// the library, the studio's page or a checkpoint, typed as the command line would type it, with
// the command line's messages (and the studio form's words).

import { UsageError } from '../errors.js';
import { OPTIONS_BY_NAME, RUN_OPTION_NAMES, type OptionSpec, type RunOptions } from './options.js';

/** A value refused: `problem` reads after the option's name ("must be an integer, not "x"."). */
export class OptionValueError extends UsageError {
  constructor(
    readonly option: OptionSpec,
    readonly problem: string,
  ) {
    super(`${option.flag} ${problem}`);
  }

  /** The message in the studio form's words: `hidden layers: must be …`. */
  get formMessage(): string {
    return `${this.option.label}: ${this.problem}`;
  }
}

function integerProblem(spec: OptionSpec, text: string): number | string {
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    return `must be an integer, not "${text}".`;
  }
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    return `must be ${range}, not ${value}.`;
  }
  return value;
}

/** The value a command-line text gives an option, or an OptionValueError. */
export function parseOptionText(spec: OptionSpec, text: string): unknown {
  const result = textValue(spec, text);
  if (result instanceof Refusal) throw new OptionValueError(spec, result.problem);
  return result;
}

class Refusal {
  constructor(readonly problem: string) {}
}

function textValue(spec: OptionSpec, text: string): unknown {
  const refuse = (problem: string) => new Refusal(problem);
  switch (spec.kind) {
    case 'integer': {
      const value = integerProblem(spec, text);
      return typeof value === 'string' ? refuse(value) : value;
    }
    case 'list': {
      const values: number[] = [];
      for (const part of text.split(',')) {
        const value = integerProblem(spec, part.trim());
        if (typeof value === 'string') return refuse(value);
        values.push(value);
      }
      return values;
    }
    case 'number': {
      const value = Number(text);
      const min = spec.min ?? 0;
      if (text.trim() === '' || !Number.isFinite(value)) {
        return refuse(`must be a finite number, not "${text}".`);
      }
      if (spec.inclusive ? value < min : value <= min) {
        return refuse(`must be ${spec.inclusive ? 'at least' : 'above'} ${min}, not ${value}.`);
      }
      return value;
    }
    case 'fraction': {
      const value = Number(text);
      if (text.trim() === '' || !(value >= 0 && value < 1)) {
        return refuse(`must be a number in [0, 1), not "${text}".`);
      }
      return value;
    }
    case 'choice':
      if (!spec.choices!.includes(text)) {
        return refuse(`must be one of ${spec.choices!.join(', ')}, not "${text}".`);
      }
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : refuse('must be true or false');
    case 'text':
      return text;
  }
}

/** A value as the command line would receive it: `256,128` for a list. */
function asText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length <= 200) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join(',');
  return null;
}

/**
 * One option's value given as JSON (by the library, the studio's page, or a checkpoint), checked
 * as the command line checks its text, and returned typed: `"2"` for an integer is 2. Throws
 * OptionValueError.
 */
export function checkValue(spec: OptionSpec, value: unknown): unknown {
  if (spec.kind === 'boolean') {
    if (typeof value !== 'boolean') throw new OptionValueError(spec, 'must be true or false');
    return value;
  }
  // a list the same as its default passes as it is (`hidden: []`)
  if (spec.kind === 'list' && Array.isArray(value) && value.length === 0) return [];
  const text = asText(value);
  if (text === null) {
    throw new OptionValueError(spec, 'must be a number, a word or a list of numbers');
  }
  return parseOptionText(spec, text);
}

/** The command-line arguments that give an option this (checked) value. */
export function argumentsOf(spec: OptionSpec, value: unknown): string[] {
  if (spec.kind === 'boolean') {
    // --no-shuffle: false is the flag; --batchnorm: true is
    const given = spec.flag.startsWith('--no-') ? !value : value;
    return given ? [spec.flag] : [];
  }
  if (Array.isArray(value)) return value.length ? [spec.flag, value.join(',')] : [];
  return [spec.flag, String(value)];
}

/**
 * Options given as an object, each checked (and typed) by the schema; `accepts` says which
 * names may appear. Unset (undefined or null) ones are left out, to take their defaults. Throws
 * UsageError naming the first unknown key, OptionValueError for the first bad value.
 */
export function checkOptions(
  given: unknown,
  accepts: (spec: OptionSpec) => boolean,
  what = 'a train option',
): Record<string, unknown> {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new UsageError('the options are not an object');
  }
  const checked: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    const value = (given as Record<string, unknown>)[name];
    const spec = Object.hasOwn(given, name) ? OPTIONS_BY_NAME.get(name) : undefined;
    if (!spec || !accepts(spec)) throw new UsageError(`"${name}" is not ${what}`);
    if (value === undefined || value === null) continue;
    checked[name] = checkValue(spec, value);
  }
  return checked;
}

/** The library's options: the run's own and the process's (placement goes apart). */
export const libraryOption = (spec: OptionSpec) => spec.scope === 'run' || spec.scope === 'process';

/** The run's own options, and only them: what checkpoint.json records. */
export function recordOf(options: object): Partial<RunOptions> {
  const record: Record<string, unknown> = {};
  for (const name of RUN_OPTION_NAMES) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined) record[name] = value;
  }
  return record as Partial<RunOptions>;
}
