// The options of `train`, made from the schema (run/options.ts): the same flags, help texts,
// defaults and parsers for every entry, in the schema's order.

import type { Option } from './commander.js';
import { OPTIONS } from '../run/options.js';
import { commanderOption, threadsOption } from './options.js';

export function trainOptions(): Option[] {
  return OPTIONS.map((spec) => (spec.name === 'threads' ? threadsOption() : commanderOption(spec)));
}
