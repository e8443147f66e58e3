// commander, imported here only. scripts/build-cli.mjs bundles it into the command line, so
// that a start reads none of its CommonJS files (nor parses them for their exports).

export { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
export type { HelpConfiguration, OutputConfiguration } from 'commander';
