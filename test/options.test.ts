// The options' schema and its rules, directly (no process): every place that takes options
// derives from it, and they must agree.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { trainOptions } from '../src/cli/trainOptions.js';
import { ACTIVATIONS } from '../src/model/activations.js';
import { LOSSES } from '../src/train/losses.js';
import { OPTIMIZER_DEFAULTS, OPTIMIZERS, SCHEDULES } from '../src/train/optimizers.js';
import {
  ACTIVATION_CHOICES,
  LOSS_CHOICES,
  OPTIMIZER_CHOICES,
  OPTIMIZER_SETTINGS,
  OPTIONS,
  OPTIONS_BY_NAME,
  RUN_DEFAULTS,
  SCHEDULE_CHOICES,
  type TrainOptions,
} from '../src/run/options.js';
import { checkOptions, checkValue, libraryOption, recordOf } from '../src/run/optionValues.js';
import {
  defaultLogEvery,
  optionWarnings,
  resolveOptions,
  learningRateOf,
} from '../src/run/optionRules.js';
import { optionsMarkdown } from '../src/run/optionsDoc.js';
import { trainRequest } from '../src/studio/trainRequest.js';
import { dependentPlaceholders, formFields } from '../src/web/formFields.js';
import { ROOT } from './helpers.js';

const defaults = { ...RUN_DEFAULTS } as TrainOptions;
const spec = (name: string) => OPTIONS_BY_NAME.get(name)!;

describe('the schema', () => {
  it('spells the choices and defaults of the algorithms as they do', () => {
    expect(ACTIVATION_CHOICES).toEqual(ACTIVATIONS);
    expect(LOSS_CHOICES).toEqual(LOSSES);
    expect(OPTIMIZER_CHOICES).toEqual(OPTIMIZERS);
    expect(SCHEDULE_CHOICES).toEqual(SCHEDULES);
    const { name: _, ...settings } = OPTIMIZER_DEFAULTS;
    expect(OPTIMIZER_SETTINGS).toEqual(settings);
  });

  it("gives the command line its options: the same names, defaults, in the schema's order", () => {
    const options = trainOptions();
    expect(options.map((option) => option.attributeName())).toEqual(OPTIONS.map((s) => s.name));
    for (const option of options) {
      const name = option.attributeName();
      if (name === 'threads' || name === 'shuffle' || name === 'progress') continue;
      expect([name, option.defaultValue]).toEqual([name, spec(name).default]);
    }
  });

  it("starts the studio's form at the command line's defaults (Adam, cosine)", () => {
    // a negated flag (--no-shuffle) defaults to true, which commander sets when it parses
    const commandLine = new Map(
      trainOptions().map((o) => [
        o.attributeName(),
        o.negate ? (o.defaultValue ?? true) : o.defaultValue,
      ]),
    );
    const fields = formFields();
    expect(fields.length).toBeGreaterThan(10);
    for (const field of fields) {
      // the form's text, checked as the studio checks it, is the command line's default
      const value = commandLine.get(field.name);
      // (an empty field is not sent: the option's default, [] for the layers)
      const formValue =
        field.value === ''
          ? (spec(field.name).default as undefined)
          : checkValue(spec(field.name), field.value);
      expect([field.name, formValue]).toEqual([field.name, value]);
    }
    // a checkbox's title says what ticking it does, not what its --no- flag does
    for (const option of OPTIONS.filter((o) => o.kind === 'boolean')) {
      expect([option.name, option.flag.startsWith('--no-')]).toEqual([
        option.name,
        option.default === true,
      ]);
      if (option.default === true) expect(option.whenOn, option.name).toBeTruthy();
    }
    const shuffle = fields.find((field) => field.name === 'shuffle')!;
    expect([shuffle.control, shuffle.value]).toEqual(['checkbox', true]);
    expect(shuffle.help).toMatch(/^shuffle the training set before each epoch/);
    expect(fields.find((field) => field.name === 'batchnorm')!.help).toMatch(/^BatchNorm after/);
    const byName = new Map(fields.map((field) => [field.name, field.value]));
    expect(byName.get('optimizer')).toBe('adam');
    expect(byName.get('lrSchedule')).toBe('cosine');
    // the learning rate's default is shown, by the optimizer chosen
    expect(dependentPlaceholders({ optimizer: 'adam', hidden: '' })).toEqual({
      lr: "0.005, adam's default",
      epochs: '5, the default',
    });
    expect(dependentPlaceholders({ optimizer: 'sgd', hidden: '64' }).lr).toMatch(/^0\.5,/);
    expect(dependentPlaceholders({ optimizer: 'sgd', hidden: '64' }).epochs).toMatch(/^10,/);
  });

  it('keeps docs/options.md as the schema gives it (npm run docs:options)', async () => {
    const config = await prettier.resolveConfig(join(ROOT, 'docs/options.md'));
    const expected = await prettier.format(optionsMarkdown(), { ...config, parser: 'markdown' });
    expect(readFileSync(join(ROOT, 'docs/options.md'), 'utf8')).toBe(expected);
  });
});

describe('checking values', () => {
  it('types JSON values as the command line would parse their text', () => {
    expect(checkValue(spec('epochs'), '2')).toBe(2);
    expect(checkValue(spec('epochs'), 2)).toBe(2);
    expect(checkValue(spec('hidden'), 16)).toEqual([16]);
    expect(checkValue(spec('hidden'), '64,32')).toEqual([64, 32]);
    expect(checkValue(spec('hidden'), [])).toEqual([]);
    expect(() => checkValue(spec('epochs'), 'two')).toThrow(
      '--epochs must be an integer, not "two".',
    );
    expect(() => checkValue(spec('batchnorm'), 'yes')).toThrow('--batchnorm must be true or false');
    expect(() => checkValue(spec('lr'), { a: 1 })).toThrow(/--lr must be a number, a word/);
  });

  it('refuses unknown keys, "__proto__" among them, and placement in the options', () => {
    expect(() => checkOptions({ colour: 'red' }, libraryOption)).toThrow(
      '"colour" is not a train option',
    );
    expect(() => checkOptions(JSON.parse('{"__proto__": {"epochs": 1}}'), libraryOption)).toThrow(
      '"__proto__" is not a train option',
    );
    expect(() => checkOptions({ out: 'x' }, libraryOption)).toThrow('"out" is not a train option');
    expect(checkOptions({ epochs: '3', engine: 'reference' }, libraryOption)).toEqual({
      epochs: 3,
      engine: 'reference',
    });
  });

  it('records only the run’s own options', () => {
    const record = recordOf({
      ...defaults,
      out: 'x',
      force: true,
      json: true,
      progress: false,
      threads: 2,
      resume: 'y',
    });
    expect(Object.keys(record)).not.toContain('out');
    for (const name of ['force', 'json', 'progress', 'threads', 'resume', 'engine', 'checkTfjs']) {
      expect(record).not.toHaveProperty(name);
    }
    expect(record.optimizer).toBe('adam');
  });
});

describe('the rules between options', () => {
  it('chooses the epochs by the architecture, the epoch kept by the validation', () => {
    expect(resolveOptions(defaults).epochs).toBe(5);
    expect(resolveOptions({ ...defaults, hidden: [64] }).epochs).toBe(10);
    expect(resolveOptions({ ...defaults, optimizer: 'lbfgs' }).epochs).toBe(60);
    expect(resolveOptions({ ...defaults, epochs: 3, hidden: [64] }).epochs).toBe(3);
    expect(resolveOptions(defaults).keep).toBe('last');
    expect(resolveOptions({ ...defaults, valSplit: 0.1 }).keep).toBe('best');
    expect(() => resolveOptions({ ...defaults, keep: 'best' })).toThrow(/--keep best needs/);
    expect(() => resolveOptions({ ...defaults, earlyStop: 2 })).toThrow(/--early-stop needs/);
    expect(() => resolveOptions({ ...defaults, optimizer: 'lbfgs', hidden: [8] })).toThrow(
      /lbfgs trains softmax regression only/,
    );
    expect(() => resolveOptions({ ...defaults, optimizer: 'lbfgs', loss: 'mse' })).toThrow(
      /minimises the cross-entropy/,
    );
  });

  it('applies a preset, and refuses an option that contradicts it', () => {
    const preset = resolveOptions({ ...defaults, preset: 'tf-beginners' });
    expect([preset.optimizer, preset.lr, preset.steps, preset.init]).toEqual([
      'sgd',
      0.5,
      1000,
      'zeros',
    ]);
    expect(() =>
      optionWarnings({ lr: 0.1 }, resolveOptions({ ...defaults, preset: 'tf-beginners', lr: 0.1 })),
    ).toThrow('--lr 0.1 contradicts --preset tf-beginners, which sets --lr 0.5');
  });

  it('gives each optimizer its learning rate, and warns of options without effect', () => {
    expect(learningRateOf({ optimizer: 'adam' })).toBe(0.005);
    expect(learningRateOf({ optimizer: 'sgd' })).toBe(0.5);
    expect(learningRateOf({ optimizer: 'sgd', lr: 0.1 })).toBe(0.1);
    expect(learningRateOf({ optimizer: 'lbfgs', lr: 0.1 })).toBe(1);
    expect(defaultLogEvery(60000, 100)).toBe(12);
    expect(defaultLogEvery(10, 100)).toBe(1);
    expect(optionWarnings({ momentum: 0.5 }, defaults)).toEqual([
      '--momentum has no effect with --optimizer adam',
    ]);
  });
});

describe("the studio's request", () => {
  it('answers in the form’s words, by field, and refuses "__proto__" by name', () => {
    const bad = trainRequest({ epochs: 'two', hidden: '3,x', out: '/tmp/x' });
    expect(bad).toEqual({
      ok: false,
      errors: {
        epochs: 'epochs: must be an integer, not "two".',
        hidden: 'hidden layers: must be an integer, not "x".',
        out: '"out" is not a train option the studio accepts',
      },
    });
    const proto = trainRequest(JSON.parse('{"__proto__": {"epochs": 1}, "epochs": 2}'));
    expect(proto.ok).toBe(false);
    expect(Object.keys((proto as { errors: object }).errors)).toEqual(['__proto__']);
    const good = trainRequest({ epochs: '2', hidden: [], optimizer: 'sgd' });
    expect(good).toMatchObject({ ok: true, args: ['--epochs', '2', '--optimizer', 'sgd'] });
  });
});
