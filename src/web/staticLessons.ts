// The lessons on the static page: the studio's lessons (studio/lessons.ts), each arm trained in
// the page's worker, one after another, on the shipped training images; the arms' step logs and
// epochs gathered as the studio reads them from events.jsonl, and the same figures
// (lessonFigures.ts) drawn live in the same panel (lessonView.ts). An arm's options are resolved
// as `train` resolves them (run/optionRules.ts), so each arm is the run the studio would start;
// only the data differ: an epoch of the shipped subset is fewer steps than one of all 60,000.

import type { ArmRecord } from '../studio/lessonFigures.js';
import { lessonFigures } from '../studio/lessonFigures.js';
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
  /** The arm training now. */
  arm: number;
  panel: LessonPanel;
  drawn: number;
}

/** What the page around the lessons does while one runs. */
export interface LessonHooks {
  /** Why no lesson can start now (a run trains), or null. */
  busy(): string | null;
  /** An arm starts (its name), or the lesson has ended (null). */
  arm(name: string | null): void;
}

export class StaticLessons {
  private running: Running | null = null;
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
    if (this.running) return `The lesson “${this.running.lesson.title}” is running.`;
    const busy = this.hooks.busy();
    if (busy) return busy;
    // the shipped data's size, beside the page: each arm's steps and log spacing follow from it
    this.info ??= fetch(STATIC_FILES.info).then((r) => r.json() as Promise<StaticDataInfo>);
    let trainCount: number;
    try {
      ({ trainCount } = await this.info);
    } catch (error) {
      this.info = null;
      return `The page could not read ${STATIC_FILES.info}: ${(error as Error).message}`;
    }
    const options = lesson.runs.map((run) => armOptions(run, trainCount));
    const panel = new LessonPanel(this.view, lesson);
    const steps = options.map((o) => stepsOf(o, trainCount));
    const each = steps.every((n) => n === steps[0])
      ? `${grouped(steps[0])} steps each`
      : steps.map((n, a) => `${lesson.arms[a]}: ${grouped(n)} steps`).join('; ');
    this.view.append(
      element(
        'p',
        { class: 'hint', 'data-testid': 'lesson-steps' },
        `In this browser the arms train one after another on the ${grouped(trainCount)} ` +
          `training images shipped with the page: ${each}.`,
      ),
    );
    const arms = lesson.runs.map((): ArmRecord => ({ status: 'queued', events: [] }));
    this.running = { lesson, options, arms, arm: 0, panel, drawn: 0 };
    this.view.scrollIntoView?.({ block: 'nearest' });
    this.startArm();
    return null;
  }

  private startArm(): void {
    const { lesson, options, arms, arm } = this.running!;
    arms[arm].status = 'starting';
    this.hooks.arm(lesson.arms[arm]);
    this.send({ type: 'start', options: options[arm] });
    this.draw(true);
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
      case 'error':
        record.status = message.type === 'end' ? message.status : 'failed';
        if (++running.arm < running.arms.length) this.startArm();
        else this.finish();
        return true;
      default:
        return false;
    }
    this.draw(false);
    return true;
  }

  private finish(): void {
    this.draw(true);
    this.running = null;
    this.hooks.arm(null);
  }

  private draw(force: boolean): void {
    const running = this.running!;
    const now = performance.now();
    if (!force && now - running.drawn < DRAW_MS) return;
    running.drawn = now;
    const { lesson, arms, panel } = running;
    panel.show({
      ...lessonFigures(lesson, arms),
      arms: arms.map((arm, a) => ({ status: arm.status, name: lesson.arms[a] })),
    });
  }
}
