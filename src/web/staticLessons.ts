// The lessons on the static page: the studio's lessons (studio/lessons.ts), each arm trained in
// the page's worker, one after another, on the shipped training images; the arms' step logs and
// epochs gathered as the studio reads them from events.jsonl, and the same figures
// (lessonFigures.ts) drawn live in the same panel (lessonView.ts). An arm's options are resolved
// as `train` resolves them (run/optionRules.ts), so each arm is the run the studio would start;
// only the data differ: an epoch of the shipped subset is fewer steps than one of all 60,000.
// "Stop the lesson" (or the page's Stop) ends the arm training, as Stop ends a run, and starts no
// other; the panel then says which arms ran and compares none of them.

import type { ArmRecord, LessonFigures } from '../studio/lessonFigures.js';
import { lessonFigures, NOT_STARTED } from '../studio/lessonFigures.js';
import { LESSONS, type Lesson } from '../studio/lessons.js';
import {
  STATIC_FILES,
  type FromWorker,
  type StaticDataInfo,
  type StaticRunOptions,
  type ToWorker,
} from '../static/protocol.js';
import { grouped } from '../numbers.js';
import { element } from './dom.js';
import { lessonButtons, LessonPanel } from './lessonView.js';
import { armOptions, stepsOf } from './staticArms.js';

/** How often the panel is drawn again while an arm trains, in milliseconds. */
const DRAW_MS = 250;

interface Running {
  lesson: Lesson;
  options: StaticRunOptions[];
  arms: ArmRecord[];
  /** Each arm's steps: those it is to take, and, once it has ended, those it took. */
  planned: number[];
  taken: number[];
  /** The arm training now. */
  arm: number;
  panel: LessonPanel;
  /** Stop was pressed: no further arm starts. */
  stopping: boolean;
  drawn: number;
}

/** What the page around the lessons does while one runs. */
export interface LessonHooks {
  /** Why no lesson can start now (a run trains), or null. */
  busy(): string | null;
  /**
   * A lesson holds the page from the click that asks for it (`said`: what it does), before its
   * first arm starts: no run nor other lesson meanwhile; null: it could not start, the page is
   * free again.
   */
  hold(said: string | null): void;
  /** An arm starts (its name), or the lesson has ended (null); `said`: where the lesson stands. */
  arm(name: string | null, said: string): void;
}

/** A lesson's arm ended by Stop reads as the studio's does (a run its Stop interrupted). */
const INTERRUPTED = 'interrupted';

export class StaticLessons {
  private running: Running | null = null;
  /** A lesson asked for, waiting for the shipped data's size before its first arm. */
  private starting: Lesson | null = null;
  private info: Promise<StaticDataInfo> | null = null;

  constructor(
    list: HTMLElement,
    private readonly view: HTMLElement,
    private readonly send: (message: ToWorker) => void,
    private readonly hooks: LessonHooks,
  ) {
    lessonButtons(list, LESSONS, (lesson) => this.start(lesson));
  }

  get active(): boolean {
    return this.running !== null;
  }

  private async start(lesson: Lesson): Promise<string | null> {
    const current = this.running?.lesson ?? this.starting;
    if (current) return `The lesson “${current.title}” is running.`;
    const busy = this.hooks.busy();
    if (busy) return busy;
    // the page is the lesson's from now on, while the data's size is fetched
    this.starting = lesson;
    this.hooks.hold(`The lesson “${lesson.title}” starts…`);
    // the shipped data's size, beside the page: each arm's steps and log spacing follow from it
    this.info ??= fetch(STATIC_FILES.info).then((r) => r.json() as Promise<StaticDataInfo>);
    let trainCount: number;
    try {
      ({ trainCount } = await this.info);
    } catch (error) {
      this.info = null;
      this.hooks.hold(null);
      return `The page could not read ${STATIC_FILES.info}: ${(error as Error).message}`;
    } finally {
      this.starting = null;
    }
    const options = lesson.runs.map((run) => armOptions(run, trainCount));
    const panel = new LessonPanel(this.view, lesson, async () => {
      this.stop();
      return null;
    });
    const planned = options.map((o) => stepsOf(o, trainCount));
    const each = planned.every((n) => n === planned[0])
      ? `${grouped(planned[0])} steps each`
      : planned.map((n, a) => `${lesson.arms[a]}: ${grouped(n)} steps`).join('; ');
    this.view.append(
      element(
        'p',
        { class: 'hint', 'data-testid': 'lesson-steps' },
        `In this browser the arms train one after another on the ${grouped(trainCount)} ` +
          `training images shipped with the page: ${each}.`,
      ),
    );
    const arms = lesson.runs.map((): ArmRecord => ({ status: 'queued', events: [] }));
    this.running = {
      lesson,
      options,
      arms,
      planned,
      taken: planned.map(() => 0),
      arm: 0,
      panel,
      stopping: false,
      drawn: 0,
    };
    this.view.scrollIntoView?.({ block: 'nearest' });
    this.startArm();
    return null;
  }

  private startArm(): void {
    const { lesson, options, arms, arm } = this.running!;
    arms[arm].status = 'starting';
    this.hooks.arm(
      lesson.arms[arm],
      `The lesson “${lesson.title}” trains its arm “${lesson.arms[arm]}” ` +
        `(${arm + 1} of ${arms.length})…`,
    );
    this.send({ type: 'start', options: options[arm] });
    this.draw(true);
  }

  /**
   * Stops the lesson: the arm training ends at once (the worker's stop), no other starts; the
   * panel's stopped heading takes the focus (the page's Stop is disabled with the lesson's end).
   */
  stop(): void {
    const running = this.running;
    if (!running || running.stopping) return;
    running.stopping = true;
    running.panel.stopping();
    this.send({ type: 'stop' });
  }

  /** Takes the worker's message if it is about a lesson's arm: true if it was. */
  receive(message: FromWorker): boolean {
    const running = this.running;
    if (!running) return false;
    const record = running.arms[running.arm];
    switch (message.type) {
      case 'ready':
        record.status = 'running';
        break;
      case 'log':
        record.events.push({ type: 'step', ...message.log });
        break;
      case 'epoch': {
        const { epoch, steps, trainLoss, trainAccuracy, testLoss, testAccuracy } = message.metrics;
        record.events.push({
          type: 'epoch',
          ...{ step: steps, epoch, trainLoss, trainAccuracy, testLoss, testAccuracy },
        });
        break;
      }
      case 'end':
        record.status = message.status === 'stopped' ? INTERRUPTED : message.status;
        running.taken[running.arm] = message.steps;
        this.next();
        return true;
      case 'error':
        record.status = 'failed';
        this.next();
        return true;
      default:
        return false;
    }
    this.draw(false);
    return true;
  }

  /** The next arm, unless the lesson was stopped or has none left. */
  private next(): void {
    const running = this.running!;
    if (!running.stopping && ++running.arm < running.arms.length) this.startArm();
    else this.finish();
  }

  private finish(): void {
    const running = this.running!;
    for (const arm of running.arms) if (arm.status === 'queued') arm.status = NOT_STARTED;
    const { stopped } = this.draw(true)!;
    this.running = null;
    const { title } = running.lesson;
    this.hooks.arm(
      null,
      `The lesson “${title}” ${stopped ? 'was stopped' : 'finished'}: press Start`,
    );
  }

  /** Draws the panel (at most every DRAW_MS unless `force`): the figures drawn, if it did. */
  private draw(force: boolean): LessonFigures | null {
    const running = this.running!;
    const now = performance.now();
    if (!force && now - running.drawn < DRAW_MS) return null;
    running.drawn = now;
    const { lesson, arms, panel, planned, taken } = running;
    const figures = lessonFigures(lesson, arms, () =>
      planned.map((steps, a) => ({ planned: steps, taken: taken[a] })),
    );
    panel.show({
      ...figures,
      arms: arms.map((arm, a) => ({ status: arm.status, name: lesson.arms[a] })),
    });
    return figures;
  }
}
