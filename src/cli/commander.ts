// commander, required rather than imported: it is CommonJS, and importing it as a module makes
// Node.js parse its source for its exports (cjs-module-lexer) at every start, --help's included.

import { createRequire } from 'node:module';
import type * as Commander from 'commander';

export const { Command, CommanderError, Help, InvalidArgumentError, Option } = createRequire(
  import.meta.url,
)('commander') as typeof Commander;
export type Command = Commander.Command;
export type CommanderError = Commander.CommanderError;
export type Help = Commander.Help;
export type Option = Commander.Option;
export type { HelpConfiguration, OutputConfiguration } from 'commander';
