// A run asked for by the studio's page (`POST /api/runs`): train options as JSON, camelCase as in
// metrics.json's config, checked by the very parsers of the command line, then turned into the
// arguments of a `train`. Only options of this list reach a process, and only as parsed values.

import { parseOptionValue, trainOptionsByName } from '../train/trainOptions.js';
import { resolveDataSource } from '../data/dataset.js';
import { isObject } from '../model/modelFile.js';
import { UserError } from '../errors.js';
import { checkArchitecture } from '../model/network.js';
import {
  optionWarnings,
  resolveOptions,
  RUN_DEFAULTS,
  type RunOptions,
} from '../train/defaults.js';

/** The train options a page may set; the folder, its overwriting and the output are the studio's. */
const ACCEPTED = new Set([
  'data',
  'epochs',
  'batchSize',
  'lr',
  'seed',
  'shuffle',
  'trainLimit',
  'testLimit',
  'steps',
  'hidden',
  'activation',
  'batchnorm',
  'init',
  'loss',
  'optimizer',
  'momentum',
  'beta1',
  'beta2',
  'adamEpsilon',
  'weightDecay',
  'lrSchedule',
  'logEvery',
  'valSplit',
  'keep',
  'earlyStop',
  'preset',
  'engine',
]);

export type TrainRequest =
  | { ok: true; args: string[]; options: Record<string, unknown>; warnings: string[] }
  | { ok: false; errors: Record<string, string> };

/** The page's options, checked one by one (each error named by its field), then together. */
export function trainRequest(body: unknown): TrainRequest {
  if (!isObject(body)) {
    return { ok: false, errors: { '': 'the body must be a JSON object of train options' } };
  }
  const byName = trainOptionsByName();
  const errors: Record<string, string> = {};
  const args: string[] = [];
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    const option = byName.get(name);
    if (!option || !ACCEPTED.has(name)) {
      errors[name] = `"${name}" is not a train option the studio accepts`;
      continue;
    }
    if (value === null || value === undefined) continue; // the default
    try {
      const { args: given, parsed } = parseOptionValue(option, value);
      args.push(...given);
      options[name] = parsed;
    } catch (error) {
      errors[name] = (error as Error).message;
    }
  }
  const warnings = Object.keys(errors).length === 0 ? checkTogether(options, errors) : [];
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, args, options, warnings };
}

/** The option an error names first (`--early-stop needs …` → earlyStop): its field. */
function fieldOf(message: string): string {
  const flag = /--([a-z0-9-]+)/.exec(message)?.[1] ?? '';
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The rules between options, as `train` applies them: a preset's, the validation's, the
 * network's, the data's; each error goes to the field it names. Returns the warnings `train`
 * would print (options without effect).
 */
function checkTogether(options: Record<string, unknown>, errors: Record<string, string>): string[] {
  const requested = { ...RUN_DEFAULTS, ...options } as RunOptions;
  let warnings: string[] = [];
  const checks = [
    () => (warnings = optionWarnings(requested, new Set(Object.keys(options)))),
    () => checkArchitecture(resolveOptions(requested)),
    () => resolveDataSource(options.data as string | undefined),
  ];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      errors[fieldOf(error.message)] ??= error.message;
    }
  }
  return warnings;
}
