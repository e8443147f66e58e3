// What a lesson's runs showed: its claim's figures, computed from the arms' event logs (never
// written in by hand), and the charts of the quantities the claim is about, the arms overlaid.
// Pure (types and numbers.ts only), so the studio's server, the static page and the tests compute
// the same figures. Every figure a sentence states names its arm; a figure of a per-step quantity
// has a chart that draws it.
//
//   cross-entropy-vs-squared-error  mean ‖∂L/∂W‖ of the output layer, MSE / CE; test accuracy
//   adam-vs-sgd-squared-error       the same ratio and the accuracy gap, under SGD and under Adam
//   sigmoid-vs-relu                 per arm, mean ‖∂L/∂W‖ of the first layer / the output layer's;
//                                   the ReLU arm's dead units, explained
//   batchnorm                       per arm and hidden layer, the mean σ′(pre-activation) and
//                                   the pre-activations' spread; the first layer's ‖∂L/∂W‖
//                                   (a chart of its own)
//   learning-rates                  per arm, the last loss, or the step where it diverged (its
//                                   line ends in a dot at its last logged loss)
//
// A mean is over the arm's step lines so far; while an arm runs, the figures say "so far".
// A lesson whose arms have all ended but did not all run through (one interrupted, stopped or
// never started) is `stopped`: its sentences say how far each arm went and state none of the
// claim's figures, which compare whole arms; its charts show what ran.

import { grouped } from '../numbers.js';
import type { EventLine, StepEvent } from '../train/records.js';
import type { Lesson } from './lessons.js';

/** One arm as its run folder reads (or, not started yet, without a log). */
export interface ArmRecord {
  status: string;
  events: EventLine[];
}

export interface FigureLine {
  /** The arm's index in the lesson (its colour), and the layer's index in the chart (its dash). */
  arm: number;
  layer: number;
  label: string;
  steps: number[];
  /** The same points in epochs (e − 1 + the share of epoch e done). */
  epochs: number[];
  y: number[];
  /** Drawn as dots, not a line: where a diverged arm's line ends. */
  points?: boolean;
}

export interface FigureChart {
  title: string;
  yLabel: string;
  log: boolean;
  percent: boolean;
  lines: FigureLine[];
}

export interface LessonFigures {
  /** True when every arm has ended: the figures are final. */
  done: boolean;
  /** Every arm has ended, not all of them run through: the sentences compare nothing. */
  stopped: boolean;
  /** The claim's figures, a sentence each. */
  sentences: string[];
  /** What the reader needs to read the charts (dead ReLUs, a diverged arm), if anything. */
  notes: string[];
  charts: FigureChart[];
}

/** A lesson's figures as its claim states them, before a stop is looked at. */
type ClaimFigures = Omit<LessonFigures, 'stopped'>;

/** An arm never started: taken out of the queue, or left there when its lesson was stopped. */
export const NOT_STARTED = 'not started';
/** The statuses of an arm that did not run through (`stopped`: killed before it could say). */
const CUT_SHORT = new Set(['interrupted', 'stopped', NOT_STARTED]);
const ENDED = new Set(['finished', 'failed', ...CUT_SHORT]);

/** How far an arm went: the steps it took, and those it was to take (null: not known yet). */
export interface ArmSteps {
  taken: number;
  planned: number | null;
}

const stepLines = (arm: ArmRecord) =>
  arm.events.filter((line): line is StepEvent => line.type === 'step');

/** The mean of `pick` over an arm's step lines (NaN without any). */
function meanOver(arm: ArmRecord, pick: (line: StepEvent) => number | undefined): number {
  let sum = 0;
  let count = 0;
  for (const line of stepLines(arm)) {
    const value = pick(line);
    if (typeof value === 'number' && Number.isFinite(value)) {
      sum += value;
      count++;
    }
  }
  return count ? sum / count : NaN;
}

const lastStep = (arm: ArmRecord) => stepLines(arm).at(-1)?.step ?? 0;

/** The test accuracy after the arm's last epoch, else its last window's train accuracy. */
function accuracy(arm: ArmRecord): { value: number; what: string } {
  const epochs = arm.events.filter((line) => line.type === 'epoch');
  const last = epochs.at(-1);
  if (last && last.type === 'epoch') return { value: last.testAccuracy, what: 'test' };
  return { value: stepLines(arm).at(-1)?.accuracy ?? NaN, what: 'train (last batches)' };
}

/** Two significant digits: 85, 1.3, 0.21. */
function two(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Number(value.toPrecision(2)).toString();
}

/** A ratio as people read it: "1/85" below 1, "2.3×" above. */
export function ratio(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return '–';
  return value < 1 ? `1/${two(1 / value)}` : `${two(value)}×`;
}

const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(2)}%` : '–');

/** "after 600 steps" or, while arms run, "so far (412 steps)". */
function when(arms: ArmRecord[], done: boolean): string {
  const steps = Math.max(...arms.map(lastStep));
  return done ? `after ${steps} steps` : `so far (${steps} steps)`;
}

/** when(), as a sentence begins. */
function When(arms: ArmRecord[], done: boolean): string {
  const text = when(arms, done);
  return text[0].toUpperCase() + text.slice(1);
}

/** One line per arm of a per-step series of each chosen layer. */
function layerLines(
  lesson: Lesson,
  arms: ArmRecord[],
  pick: (line: StepEvent) => number[] | undefined,
  layers: (count: number) => { index: number; name: string }[],
): FigureLine[] {
  return arms.flatMap((arm, a) => {
    const lines = stepLines(arm);
    const count = lines.length ? (pick(lines[0])?.length ?? 0) : 0;
    return layers(count).map(({ index, name }, l) => ({
      arm: a,
      layer: l,
      label: `${lesson.arms[a]}: ${name}`,
      steps: lines.map((line) => line.step),
      epochs: lines.map((line) => line.epoch - 1 + line.epochFraction),
      y: lines.map((line) => pick(line)?.[index] ?? NaN),
    }));
  });
}

const outputLayer = (count: number) => (count ? [{ index: count - 1, name: 'output layer' }] : []);
const firstLayer = (count: number) => (count ? [{ index: 0, name: 'first layer' }] : []);

/** Mean ‖∂L/∂W‖ of the output layer over the arm's steps. */
const outputNorm = (arm: ArmRecord) => meanOver(arm, (line) => line.gradientNorms.at(-1));

function lossLesson(lesson: Lesson, arms: ArmRecord[], done: boolean): ClaimFigures {
  const [ce, mse] = arms;
  const a = accuracy(ce);
  const b = accuracy(mse);
  return {
    done,
    sentences: [
      `Squared error’s gradient norm (output layer, mean over the steps) is ` +
        `${ratio(outputNorm(mse) / outputNorm(ce))} of cross-entropy’s; ${when(arms, done)} ` +
        `${a.what} accuracy ${lesson.arms[1]} ${percent(b.value)}, ` +
        `${lesson.arms[0]} ${percent(a.value)}.`,
    ],
    notes: [],
    charts: [
      {
        title: '‖∂L/∂W‖₂ of the output layer, both losses',
        yLabel: '‖∂L/∂W‖₂',
        log: true,
        percent: false,
        lines: layerLines(lesson, arms, (line) => line.gradientNorms, outputLayer),
      },
    ],
  };
}

function adamLesson(lesson: Lesson, arms: ArmRecord[], done: boolean): ClaimFigures {
  const adamRatio = outputNorm(arms[3]) / outputNorm(arms[2]);
  const under = (ce: ArmRecord, mse: ArmRecord, name: string) => {
    const a = accuracy(ce).value;
    const b = accuracy(mse).value;
    const gap = (a - b) * 100;
    return (
      `${name}: squared error’s gradient norm is ${ratio(outputNorm(mse) / outputNorm(ce))} of ` +
      `cross-entropy’s, and it ends ${Math.abs(gap).toFixed(2)} points ` +
      `${gap >= 0 ? 'behind' : 'ahead'} (squared error ${percent(b)}, cross-entropy ${percent(a)}).`
    );
  };
  return {
    done,
    sentences: [
      `${When(arms, done)}, ${accuracy(arms[0]).what} accuracy of each arm:`,
      under(arms[0], arms[1], 'SGD'),
      under(arms[2], arms[3], 'Adam'),
      `Under Adam squared error’s gradient is as small (${ratio(adamRatio)}), but each step is ` +
        'the gradient divided by its own running size (m̂ / √v̂): a gradient k times smaller ' +
        'gives about the same step, so the small gradient no longer slows it down.',
    ],
    notes: [],
    charts: [
      {
        title: 'train accuracy of the four arms',
        yLabel: 'accuracy',
        log: false,
        percent: true,
        lines: layerLines(
          lesson,
          arms,
          (line) => [line.accuracy],
          () => [{ index: 0, name: 'train accuracy' }],
        ),
      },
    ],
  };
}

/** ReLU units dead in every batch: what they are, and why a share of them does no harm. */
function deadUnits(name: string, arm: ArmRecord): string[] {
  const lines = stepLines(arm);
  const layers = lines[0]?.saturation.length ?? 0;
  const shares = Array.from({ length: layers }, (_, l) => meanOver(arm, (s) => s.saturation[l]));
  const finite = shares.filter(Number.isFinite);
  if (!finite.length || Math.max(...finite) < 0.01) return [];
  const low = Math.round(Math.min(...finite) * 100);
  const high = Math.round(Math.max(...finite) * 100);
  return [
    `The ${name} arm has ${low === high ? `${low}%` : `${low}–${high}%`} dead units per hidden ` +
      `layer (mean over the logged batches). A dead ReLU outputs 0 for every image of a batch: ` +
      `its input is negative for all of them, so it passes no gradient back and its incoming ` +
      `weights stop changing. The rest still pass the gradient at full size (ReLU′ = 1), and ` +
      `${100 - high}% or more of 64 units is plenty to separate 10 digits: the stack still ` +
      `reaches ${percent(accuracy(arm).value)} ${accuracy(arm).what} accuracy.`,
  ];
}

function activationLesson(lesson: Lesson, arms: ArmRecord[], done: boolean): ClaimFigures {
  const parts = arms.map((arm, a) => {
    const first = meanOver(arm, (line) => line.gradientNorms[0]);
    return `${lesson.arms[a]}: ${ratio(first / outputNorm(arm))}`;
  });
  const accuracies = arms.map((arm, a) => `${lesson.arms[a]} ${percent(accuracy(arm).value)}`);
  return {
    done,
    sentences: [
      `The first layer’s ‖∂L/∂W‖ as a share of the output layer’s (mean over the steps), ` +
        `${parts.join('; ')}.`,
      `${When(arms, done)}, ${accuracy(arms[0]).what} ` + `accuracy ${accuracies.join(', ')}.`,
    ],
    notes: deadUnits(lesson.arms[1], arms[1]),
    charts: [
      {
        title: '‖∂L/∂W‖₂ of the first and the output layer, both activations',
        yLabel: '‖∂L/∂W‖₂',
        log: true,
        percent: false,
        lines: layerLines(
          lesson,
          arms,
          (line) => line.gradientNorms,
          (count) =>
            count
              ? [
                  { index: 0, name: 'first layer' },
                  { index: count - 1, name: 'output layer' },
                ]
              : [],
        ),
      },
    ],
  };
}

function batchnormLesson(lesson: Lesson, arms: ArmRecord[], done: boolean): ClaimFigures {
  const slopes = arms.map((arm, a) => {
    const layers = stepLines(arm)[0]?.activationSlope?.length ?? 0;
    const means = Array.from({ length: layers }, (_, l) =>
      two(meanOver(arm, (line) => line.activationSlope?.[l])),
    );
    return `${lesson.arms[a]} ${means.length ? means.join(', ') : '–'}`;
  });
  const spreads = arms.map((arm, a) => {
    const layers = stepLines(arm)[0]?.preActivationSd?.length ?? 0;
    const means = Array.from({ length: layers }, (_, l) =>
      two(meanOver(arm, (line) => line.preActivationSd?.[l])),
    );
    return `${lesson.arms[a]} ${means.length ? means.join(', ') : '–'}`;
  });
  const first = (arm: ArmRecord) => meanOver(arm, (line) => line.gradientNorms[0]);
  const firsts = arms.map((arm, a) => `${lesson.arms[a]} ${two(first(arm))}`);
  const accuracies = arms.map((arm, a) => `${lesson.arms[a]} ${percent(accuracy(arm).value)}`);
  const hidden = (count: number) =>
    Array.from({ length: count }, (_, l) => ({ index: l, name: `hidden layer ${l + 1}` }));
  return {
    done,
    sentences: [
      `Mean σ′(pre-activation) per hidden layer, first to last (at most 0.25, mean over the ` +
        `logged batches): ${slopes.join('; ')}.`,
      `Spread (standard deviation) of the pre-activations per hidden layer: ${spreads.join('; ')}.`,
      `The first layer’s ‖∂L/∂W‖ (mean over the steps, the second chart): ` +
        `${firsts.join(', ')}; ${lesson.arms[1]}’s is ` +
        `${ratio(first(arms[1]) / first(arms[0]))} the ${lesson.arms[0]} stack’s.`,
      `${When(arms, done)}, ${accuracy(arms[0]).what} ` + `accuracy ${accuracies.join(', ')}.`,
    ],
    notes: [],
    charts: [
      {
        title: 'mean σ′(pre-activation) per hidden layer, both arms',
        yLabel: 'mean σ′',
        log: false,
        percent: false,
        lines: layerLines(lesson, arms, (line) => line.activationSlope, hidden),
      },
      {
        title: '‖∂L/∂W‖₂ of the first layer, both arms',
        yLabel: '‖∂L/∂W‖₂',
        log: true,
        percent: false,
        lines: layerLines(lesson, arms, (line) => line.gradientNorms, firstLayer),
      },
    ],
  };
}

/**
 * Where a diverged arm's line ends: a dot at its last logged loss, and a note saying so (with the
 * loss that stopped it, as its end line says).
 */
function divergedEnd(lesson: Lesson, arm: ArmRecord, a: number) {
  const last = stepLines(arm).at(-1);
  if (arm.status !== 'failed' || !last) return null;
  const end = arm.events.find((line) => line.type === 'end');
  const why = end?.type === 'end' ? /: (the loss is [^;]+);/.exec(end.message ?? '')?.[1] : null;
  const name = lesson.arms[a];
  return {
    dot: {
      arm: a,
      layer: 0,
      label: `${name}: diverged after step ${last.step}`,
      steps: [last.step],
      epochs: [last.epoch - 1 + last.epochFraction],
      y: [last.loss],
      points: true,
    },
    note:
      `The ${name} line ends in a dot at step ${last.step}, its last logged loss ` +
      `(${two(last.loss)}): step ${last.step + 1} diverged${why ? ` (${why})` : ''} and the ` +
      'run stopped there.',
  };
}

function rateLesson(lesson: Lesson, arms: ArmRecord[], done: boolean): ClaimFigures {
  const parts = arms.map((arm, a) => {
    if (arm.status === 'failed') {
      return `${lesson.arms[a]} diverged at step ${lastStep(arm) + 1} (the run stopped there)`;
    }
    const last = stepLines(arm).at(-1);
    return `${lesson.arms[a]} ends at loss ${last ? two(last.loss) : '–'}`;
  });
  const ends = arms.map((arm, a) => divergedEnd(lesson, arm, a)).filter((end) => end !== null);
  return {
    done,
    sentences: [`${When(arms, done)}: ${parts.join('; ')}.`],
    notes: ends.map((end) => end.note),
    charts: [
      {
        title: 'training loss of the three rates',
        yLabel: 'loss',
        log: true,
        percent: false,
        lines: [
          ...layerLines(
            lesson,
            arms,
            (line) => [line.loss],
            () => [{ index: 0, name: 'loss' }],
          ),
          ...ends.map((end) => end.dot),
        ],
      },
    ],
  };
}

const FIGURES: Record<string, (lesson: Lesson, arms: ArmRecord[], done: boolean) => ClaimFigures> =
  {
    'cross-entropy-vs-squared-error': lossLesson,
    'adam-vs-sgd-squared-error': adamLesson,
    'sigmoid-vs-relu': activationLesson,
    batchnorm: batchnormLesson,
    'learning-rates': rateLesson,
  };

/**
 * How far an arm went, as its log says: the steps taken (its end line's, else its last line's),
 * and those it was to take: its `steps`, else its epochs × an epoch's batches (a step line's
 * step over the epochs it is into the run, `epoch − 1 + epochFraction`).
 */
export function armSteps(arm: ArmRecord): ArmSteps {
  const taken = arm.events.at(-1)?.step ?? 0;
  const start = arm.events.find((line) => line.type === 'start');
  const config = start?.type === 'start' ? start.config : {};
  const first = stepLines(arm)[0];
  const planned =
    typeof config.steps === 'number'
      ? config.steps
      : typeof config.epochs === 'number' && first
        ? config.epochs * Math.round(first.step / (first.epoch - 1 + first.epochFraction))
        : null;
  return { taken, planned };
}

/**
 * What a stopped lesson's panel says instead of its figures: how far each arm went ("“sigmoid”
 * was interrupted at step 87 of 600; “ReLU” did not start"), and that the claim is not tested.
 */
export function stoppedSentences(lesson: Lesson, arms: ArmRecord[], steps: ArmSteps[]): string[] {
  const name = (a: number) => `“${lesson.arms[a]}”`;
  const ran = arms.flatMap((arm, a) => {
    const { taken, planned } = steps[a];
    const of = planned === null ? '' : ` of ${grouped(planned)}`;
    if (CUT_SHORT.has(arm.status) && arm.status !== NOT_STARTED) {
      return taken === 0
        ? [`${name(a)} was stopped before its first step`]
        : [`${name(a)} was interrupted at step ${grouped(taken)}${of}`];
    }
    if (arm.status === 'finished') return [`${name(a)} finished its ${grouped(taken)} steps`];
    if (arm.status === 'failed') return [`${name(a)} failed after ${grouped(taken)} steps`];
    return [];
  });
  const unstarted = arms.flatMap((arm, a) => (arm.status === NOT_STARTED ? [name(a)] : []));
  if (unstarted.length) {
    const names =
      unstarted.length === 1
        ? unstarted[0]
        : `${unstarted.slice(0, -1).join(', ')} and ${unstarted.at(-1)}`;
    ran.push(`${names} did not start`);
  }
  const charted = arms.some((arm) => stepLines(arm).length > 0);
  return [
    `${ran.join('; ')}.`,
    'The claim above is not tested: its figures compare whole arms, and these did not all run.' +
      (charted ? ' The chart shows each arm as far as it ran.' : ''),
  ];
}

/**
 * The figures of `lesson` from its arms' records, in the lesson's order of runs; `steps`: how
 * far each went, if its log does not say it (the static page's arms have none).
 */
export function lessonFigures(
  lesson: Lesson,
  arms: ArmRecord[],
  steps: () => ArmSteps[] = () => arms.map(armSteps),
): LessonFigures {
  const done = arms.every((arm) => ENDED.has(arm.status));
  const figures = FIGURES[lesson.name](lesson, arms, done);
  const stopped = done && arms.some((arm) => CUT_SHORT.has(arm.status));
  if (!stopped) return { ...figures, stopped };
  return { ...figures, stopped, sentences: stoppedSentences(lesson, arms, steps()) };
}
