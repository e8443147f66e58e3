// docs/options.md, made from the options' schema: `npm run docs:options` writes it, and
// test/options.test.ts fails when the file differs from what the schema gives.

import { OPTIONS, type OptionScope, type OptionSpec } from './options.js';

const SCOPES: [OptionScope, string, string][] = [
  ['run', 'The run', "recorded in checkpoint.json and metrics.json's config; a resume keeps them"],
  ['process', 'How this process trains it', 'not recorded: a resume may choose again'],
  ['placement', 'Where it goes', "the library passes these as `train()`'s second argument"],
  ['output', 'What the command line prints', ''],
];

const cell = (text: string) => text.replace(/\|/g, '\\|');
/** Outside a code span: `<timestamp>` is not a tag. */
const prose = (text: string) => cell(text).replace(/</g, '&lt;');

function defaultOf(spec: OptionSpec): string {
  if (spec.defaultText) return spec.defaultText;
  if (spec.default === undefined) return 'none';
  if (spec.flag.startsWith('--no-')) return 'on';
  return Array.isArray(spec.default) ? spec.default.join(',') || 'none' : String(spec.default);
}

function rangeOf(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer':
    case 'list': {
      const each = spec.kind === 'list' ? 'integers, comma-separated, each ' : 'integer ';
      return spec.max === undefined ? `${each}≥ ${spec.min}` : `${each}${spec.min}..${spec.max}`;
    }
    case 'number':
      return `number ${spec.inclusive ? '≥' : '>'} ${spec.min}`;
    case 'fraction':
      return 'number in [0, 1)';
    case 'choice':
      return spec.choices!.join(', ');
    case 'boolean':
      return 'switch';
    case 'text':
      return 'text';
  }
}

export function optionsMarkdown(): string {
  const lines = [
    '# Options of `mnist-softmax train`',
    '',
    '<!-- Generated from src/run/options.ts by `npm run docs:options`; do not edit by hand. -->',
    '',
    "Every option is defined once, in src/run/options.ts: the command line, the library's",
    "`train()` (the same names in camelCase), the studio's form and its request check all take it",
    'from there.',
  ];
  for (const [scope, title, note] of SCOPES) {
    lines.push('', `## ${title}`, '');
    if (note) lines.push(`${note[0].toUpperCase()}${note.slice(1)}.`, '');
    lines.push('| option | JSON name | values | default | what it does |', '|---|---|---|---|---|');
    for (const spec of OPTIONS.filter((s) => s.scope === scope)) {
      const flag = spec.argument ? `${spec.flag} ${spec.argument}` : spec.flag;
      lines.push(
        `| \`${cell(flag)}\` | \`${spec.name}\` | ${prose(rangeOf(spec))} | ${prose(defaultOf(spec))} | ${prose(spec.help)} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
