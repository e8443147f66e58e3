// --help that fits the terminal, from 40 columns up: commander folds descriptions beside their
// options down to a 40-column description; narrower than that, each description goes under its
// option, folded at spaces. The usage line and the examples fold too (a command line with a
// trailing backslash, so that it can still be pasted).

import { Help, type HelpConfiguration, type OutputConfiguration } from './commander.js';
import { columnsOf, helpWidthOf, pack, wrap } from './format.js';

/** Below this many columns beside the options, descriptions go under them. */
const SIDE_BY_SIDE = 30;
/** The indent of a description under its option. */
const UNDER = '      ';

export const helpConfiguration: HelpConfiguration = {
  showGlobalOptions: true,
  minWidthToWrap: 10,
  formatItem(term, termWidth, description, helper) {
    const width = helper.helpWidth ?? 80;
    if (!description || width - termWidth - 4 >= SIDE_BY_SIDE) {
      return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
    }
    const under = helper.boxWrap(description, width - UNDER.length);
    return `  ${term}\n${under.replace(/^/gm, UNDER)}`;
  },
  styleUsage(usage) {
    const width = (this as Help).helpWidth ?? 80;
    return wrap(`Usage: ${usage}`, width, '    ').slice('Usage: '.length);
  },
};

export const outputConfiguration: OutputConfiguration = {
  outputError: (text, write) => write(wrap(`mnist-softmax: ${text}`, columnsOf(process.stderr))),
  getOutHelpWidth: () => helpWidthOf(process.stdout),
  getErrHelpWidth: () => helpWidthOf(process.stderr),
};

/**
 * "Examples:" and one shell line each, "command  # comment", as wide as `width` allows: a line
 * too long has its comment put on a line above and the command folded between its words, each
 * line but the last ending in " \" (the shell's continuation).
 */
export function examplesText(examples: string[], width: number): string {
  const lines = examples.flatMap((example) => {
    const whole = `  $ ${example}`;
    if (whole.length <= width) return [whole];
    const [command, comment] = example.split(/ +# /);
    const folded = pack(`$ ${command.trim()}`.split(' '), width - 4, '      ')
      .split('\n')
      .map((line, i, all) => `  ${line}${i < all.length - 1 ? ' \\' : ''}`);
    if (comment === undefined) return folded;
    const remark = pack(comment.split(' '), width - 4, '').split('\n');
    return [...remark.map((line) => `  # ${line}`), ...folded];
  });
  return `\nExamples:\n${lines.join('\n')}`;
}
