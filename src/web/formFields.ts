// The studio form's fields, made from the options' schema (run/options.ts): each field's label,
// control, choices and starting value are the command line's, and a default that depends on
// other fields (the learning rate on the optimizer, the epochs on the layers) is shown as the
// field's placeholder, computed by the same rules as `train`. Pure: test/options.test.ts holds
// these to the command line's defaults.

import {
  DEFAULT_LEARNING_RATES,
  LBFGS_FIRST_STEP,
  OPTIONS_BY_NAME,
  type SolverName,
} from '../run/options.js';
import { defaultEpochs } from '../run/optionRules.js';

/** The options the form shows first, in its order. */
export const FORM_OPTIONS = [
  'data',
  'hidden',
  'activation',
  'batchnorm',
  'loss',
  'optimizer',
  'lr',
  'lrSchedule',
  'epochs',
  'batchSize',
  'seed',
] as const;

/** The rest of the run's options, folded under "More options", in its order. */
export const ADVANCED_OPTIONS = [
  'shuffle',
  'valSplit',
  'keep',
  'earlyStop',
  'init',
  'weightDecay',
  'momentum',
  'beta1',
  'beta2',
  'adamEpsilon',
  'steps',
  'trainLimit',
  'testLimit',
  'logEvery',
  'engine',
] as const;

export interface FormField {
  name: string;
  label: string;
  control: 'select' | 'checkbox' | 'text';
  /** A select's choices: value and the words shown. */
  choices?: { value: string; text: string }[];
  /** Where it starts: the command line's default ('' for none). */
  value: string | boolean;
  placeholder?: string;
  /** Folded under "More options". */
  advanced: boolean;
  /** What the option does, in --help's words; a checkbox's, what ticking it does. */
  help: string;
}

/** Choices the form spells out more than --help does. */
const CHOICE_TEXT: Record<string, string> = {
  mse: 'mse (squared error)',
  lbfgs: 'lbfgs (full batch)',
};

/** Placeholders the form words for its fields' width (a phone's) where --help's are longer. */
const PLACEHOLDERS: Record<string, string> = {
  hidden: 'none, or 256, or 64,64',
  logEvery: 'about 50 lines an epoch',
};

/** The data sets offered (--data also takes a folder, which the page does not). */
const DATA_CHOICES = ['mnist', 'fashion'];

export function formFields(): FormField[] {
  const names = [...FORM_OPTIONS, ...ADVANCED_OPTIONS];
  return names.map((name) => {
    const spec = OPTIONS_BY_NAME.get(name)!;
    const advanced = (ADVANCED_OPTIONS as readonly string[]).includes(name);
    const base = { name, label: spec.label, advanced, help: spec.whenOn ?? spec.help };
    if (spec.kind === 'boolean')
      return { ...base, control: 'checkbox', value: spec.default === true };
    const choices = name === 'data' ? DATA_CHOICES : spec.choices;
    if (choices) {
      // a choice without a default of its own (keep) starts at '', which sends nothing
      const none =
        spec.default === undefined
          ? [{ value: '', text: `default: ${spec.defaultText ?? ''}` }]
          : [];
      return {
        ...base,
        control: 'select',
        choices: [
          ...none,
          ...choices.map((value) => ({ value, text: CHOICE_TEXT[value] ?? value })),
        ],
        value: spec.default === undefined ? '' : String(spec.default),
      };
    }
    const value = Array.isArray(spec.default)
      ? spec.default.join(',')
      : spec.default === undefined
        ? ''
        : String(spec.default);
    const placeholder = PLACEHOLDERS[name] ?? spec.defaultText;
    return { ...base, control: 'text', value, ...(placeholder ? { placeholder } : {}) };
  });
}

/**
 * The placeholders of the defaults that depend on other fields, for the form's values now:
 * the optimizer's learning rate, the epochs for these layers.
 */
export function dependentPlaceholders(values: {
  optimizer: string;
  hidden: string;
}): Record<'lr' | 'epochs', string> {
  const optimizer = values.optimizer as SolverName;
  const hidden = values.hidden.trim() ? [1] : [];
  const lr =
    optimizer === 'lbfgs'
      ? `none: L-BFGS finds its steps (first ${LBFGS_FIRST_STEP})`
      : `${DEFAULT_LEARNING_RATES[optimizer]}, ${optimizer}'s default`;
  const epochs = defaultEpochs({ optimizer, hidden });
  return { lr, epochs: `${epochs}, the default${optimizer === 'lbfgs' ? ' (iterations)' : ''}` };
}
