// Pause, Step, Resume and a learning rate set by hand, for a run driven from outside (the studio
// sends them to its `train` child; runs.ts). Controls received are accepted between batches, at
// the trainer's beforeBatch hook: each accepted one is logged to events.jsonl as
//
//   {"type": "control", "step": s, "action": "pause" | "resume" | "step" | "lr", "lr"?: r}
//
// before step s + 1, the first it affects. The rates set (RateOverride, train/rates.ts) are also
// kept in the checkpoint, so a resume continues with them; a resume after a stop also replays the
// rates the stopped run set after its last checkpoint, at their steps, as a replay of a log does.

import { InterruptedError } from '../errors.js';
import { eachEvent } from './eventLog.js';
import type { ControlAction, ControlEvent } from '../train/records.js';
import { isLearningRate, rateAt, type RateOverride } from '../train/rates.js';

/** A control as the studio sends it. */
export interface ControlMessage {
  action: ControlAction;
  lr?: number;
}

/** Where a controlled run stands, for the studio's page. */
export interface ControlState {
  /** Steps taken. */
  step: number;
  paused: boolean;
  /** The rate of the next step. */
  lr: number;
}

/** The caller's side of the control channel. */
export interface ControlChannel {
  /** Calls `listener` with each control received (checked or not: parseControl checks). */
  listen(listener: (message: unknown) => void): void;
  /** Where the run stands, after each change and every so often while it trains. */
  publish?(state: ControlState): void;
}

/** How often the state is published while the run trains, and a pause checks for news, in ms. */
const PUBLISH_MS = 200;
const PAUSE_POLL_MS = 25;

/** A control message checked: its action known, an lr with a finite positive rate; else null. */
export function parseControl(message: unknown): ControlMessage | null {
  if (typeof message !== 'object' || message === null) return null;
  const { action, lr } = message as Record<string, unknown>;
  if (action === 'lr') return isLearningRate(lr) ? { action, lr } : null;
  if (action === 'pause' || action === 'resume' || action === 'step') return { action };
  return null;
}

/** The rates set in a run folder's events.jsonl, in order (what a replay of its log sets). */
export function loggedRates(folder: string): RateOverride[] {
  const rates: RateOverride[] = [];
  eachEvent(folder, (line) => {
    if (line.type === 'control' && line.action === 'lr' && isLearningRate(line.lr)) {
      rates.push({ step: line.step, lr: line.lr });
    }
  });
  return rates;
}

export class RunControl {
  private received: ControlMessage[] = [];
  private readonly replay: RateOverride[];
  private paused = false;
  /** Single steps granted while paused, not yet taken. */
  private granted = 0;
  /** The step the last beforeBatch let go is one granted by Step (the studio lays it open). */
  private byStep = false;
  private published = 0;
  private lastState: ControlState | null = null;

  /**
   * `overrides`: the rates set so far (a resume's, from its checkpoint); `replay`: rates to set
   * at their steps, as if received then (a resume after a stop, a replay of a log); `log` writes
   * a control line; `shouldStop` ends a pause.
   */
  constructor(
    readonly overrides: RateOverride[],
    replay: readonly RateOverride[],
    private readonly log: (line: ControlEvent) => void,
    private readonly shouldStop: () => boolean,
    private readonly channel?: ControlChannel,
  ) {
    this.replay = [...replay].sort((a, b) => a.step - b.step); // stable: the later of two stays later
    channel?.listen((message) => {
      const control = parseControl(message);
      if (control) this.received.push(control);
    });
  }

  /** The trainer's beforeBatch: accepts what came, waits while paused, gives the step's rate. */
  beforeBatch(step: number, scheduled: number): number | Promise<number> {
    this.accept(step);
    if (this.paused && this.granted === 0) return this.waitWhilePaused(step, scheduled);
    this.takeGranted();
    return this.rate(step, scheduled);
  }

  /** Whether the step about to be taken (the last beforeBatch's) is one that Step granted. */
  get stepping(): boolean {
    return this.byStep;
  }

  /** The rates set up to `step` steps (what a checkpoint after that step records). */
  overridesUpTo(step: number): RateOverride[] {
    return this.overrides.filter((override) => override.step <= step);
  }

  private rate(step: number, scheduled: number): number {
    const lr = rateAt(scheduled, step + 1, this.overrides);
    this.publish({ step, paused: this.paused && this.granted === 0, lr });
    return lr;
  }

  private async waitWhilePaused(step: number, scheduled: number): Promise<number> {
    this.publish({ step, paused: true, lr: rateAt(scheduled, step + 1, this.overrides) }, true);
    while (this.paused && this.granted === 0) {
      if (this.shouldStop())
        throw new InterruptedError(`interrupted while paused after step ${step}`);
      await new Promise((resolve) => setTimeout(resolve, PAUSE_POLL_MS));
      this.accept(step);
      this.publish({ step, paused: true, lr: rateAt(scheduled, step + 1, this.overrides) });
    }
    this.takeGranted();
    return this.rate(step, scheduled);
  }

  /** A step let go: one of those Step granted when paused. */
  private takeGranted(): void {
    this.byStep = this.paused;
    if (this.paused) this.granted--;
  }

  /** The controls received and the replayed rates due at `step`, accepted and logged. */
  private accept(step: number): void {
    while (this.replay.length > 0 && this.replay[0].step <= step) {
      const { lr } = this.replay.shift()!;
      this.setRate(step, lr);
    }
    for (const control of this.received.splice(0)) {
      if (control.action === 'lr') this.setRate(step, control.lr!);
      else {
        if (control.action === 'pause') this.paused = true;
        if (control.action === 'resume') this.paused = false;
        if (control.action === 'step') {
          if (!this.paused) continue; // a step means something only while paused
          this.granted++;
        }
        this.log({ type: 'control', step, action: control.action });
      }
    }
  }

  private setRate(step: number, lr: number): void {
    this.overrides.push({ step, lr });
    this.log({ type: 'control', step, action: 'lr', lr });
  }

  private publish(state: ControlState, now = false): void {
    if (!this.channel?.publish) return;
    const last = this.lastState;
    const changed = !last || last.paused !== state.paused || last.lr !== state.lr;
    const time = performance.now();
    if (!now && !changed && time - this.published < PUBLISH_MS) return;
    if (last && !changed && last.step === state.step && time - this.published < PUBLISH_MS * 5) {
      return;
    }
    this.published = time;
    this.lastState = state;
    this.channel.publish(state);
  }
}
