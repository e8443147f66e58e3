// A run asked for by the studio's page (`POST /api/runs`): train options as JSON, camelCase as in
// metrics.json's config, checked by the schema (run/options.ts) as the command line checks them,
// then turned into the arguments of a `train`. Only the options the schema lets the studio set
// reach a process, and only as checked values. Errors are in the form's words, by field.

import { resolveDataSource } from '../data/dataset.js';
import { isObject } from '../model/modelFile.js';
import { UserError } from '../errors.js';
import { checkArchitecture } from '../model/network.js';
import {
  OPTIONS_BY_NAME,
  RUN_DEFAULTS,
  type OptionSpec,
  type TrainOptions,
} from '../run/options.js';
import { argumentsOf, checkValue, OptionValueError } from '../run/optionValues.js';
import { optionNamed, optionWarnings, resolveOptions } from '../run/optionRules.js';

/** The options a page may set: the run's own, and the engine; the rest is the studio's. */
export const studioOption = (spec: OptionSpec) => spec.scope === 'run' || spec.studio === true;

export type TrainRequest =
  | { ok: true; args: string[]; options: Record<string, unknown>; warnings: string[] }
  | { ok: false; errors: Record<string, string> };

/** The page's options, checked one by one (each error named by its field), then together. */
export function trainRequest(body: unknown): TrainRequest {
  if (!isObject(body)) {
    return { ok: false, errors: { '': 'the body must be a JSON object of train options' } };
  }
  // a Map, not an object: a key "__proto__" is an error like any other
  const errors = new Map<string, string>();
  const args: string[] = [];
  const options: Record<string, unknown> = {};
  for (const name of Object.keys(body)) {
    const value = body[name];
    const spec = OPTIONS_BY_NAME.get(name);
    if (!spec || !studioOption(spec)) {
      errors.set(name, `"${name}" is not a train option the studio accepts`);
      continue;
    }
    if (value === null || value === undefined) continue; // the default
    try {
      const checked = checkValue(spec, value);
      args.push(...argumentsOf(spec, checked));
      options[name] = checked;
    } catch (error) {
      if (!(error instanceof OptionValueError)) throw error;
      errors.set(name, error.formMessage);
    }
  }
  const warnings = errors.size === 0 ? checkTogether(options, errors) : [];
  return errors.size
    ? { ok: false, errors: Object.fromEntries(errors) }
    : { ok: true, args, options, warnings };
}

/**
 * The rules between options, as `train` applies them: a preset's, the validation's, the
 * network's, the data's; each error goes to the field it names. Returns the warnings `train`
 * would print (options without effect).
 */
function checkTogether(options: Record<string, unknown>, errors: Map<string, string>): string[] {
  const requested = { ...RUN_DEFAULTS, ...options } as TrainOptions;
  let warnings: string[] = [];
  const checks = [
    () => (warnings = optionWarnings(options, resolveOptions(requested))),
    () => checkArchitecture(resolveOptions(requested)),
    () => resolveDataSource(options.data as string | undefined),
  ];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const field = optionNamed(error.message);
      if (!errors.has(field)) errors.set(field, error.message);
    }
  }
  return warnings;
}
