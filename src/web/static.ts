// The static studio's page (static.html, written by `studio --static`): a form that starts a
// run in a Web Worker (src/static/worker.ts: the project's trainer and wasm kernels, in this
// browser), live curves, pause/step/stop, the drawing canvas classified by the run's network,
// the run's model.json to download, one training step laid open (stepView.ts, its answers from
// the worker) and the lessons (staticLessons.ts). Every file it uses lies beside it; nothing
// else is fetched.

import { runCurves } from '../report/series.js';
import {
  STATIC_FILES,
  type EpochMetrics,
  type EventLine,
  type FromWorker,
  type StaticRunOptions,
  type ToWorker,
} from '../static/protocol.js';
import type { SteppedBatch } from '../studio/api.js';
import { mountBatchView, type BatchSource } from './batchView.js';
import { drawCharts } from './charts.js';
import { DrawingPad } from './drawingPad.js';
import { StaticLessons } from './staticLessons.js';
import { mountStepView } from './stepView.js';
import { WorkerSource } from './workerSource.js';
import './page.css';
import './static.css';

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const worker = new Worker(STATIC_FILES.worker, { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
/** The step view's answers; its name, the run the worker trains or trained last. */
const explanations = new WorkerSource(send, 'the last run');
/** The batch a Step took, laid open below the controls, its record the worker's last `inside`. */
const batchView = mountBatchView(byId('batch-view'));
let lastInside: SteppedBatch | null = null;
/** The run's steps as the batch view has them; a new one for each run. */
let batches: BatchSource | undefined;
/** Step was pressed: the next pause shows the step it let go. */
let stepping = false;

const status = byId('status');
const download = byId<HTMLAnchorElement>('download');
const controls = {
  start: byId<HTMLButtonElement>('start'),
  pause: byId<HTMLButtonElement>('pause'),
  step: byId<HTMLButtonElement>('step'),
  resume: byId<HTMLButtonElement>('resume'),
  stop: byId<HTMLButtonElement>('stop'),
  applyRate: byId<HTMLButtonElement>('apply-rate'),
};

/** The run shown: its step logs and epochs (as a run folder's events and metrics). */
let events: EventLine[] = [];
let history: EpochMetrics[] = [];
/** When Start was pressed (performance.now()), and what trains once the worker says. */
let started = 0;
let trainCount = 0;
/** The run's threads: several where the page is cross-origin isolated, one otherwise. */
let threads = 1;
let lastDrawn = 0;
let hasModel = false;
/** A run or a lesson's arm has started: the step view has a network to copy. */
let trained = false;

function setRunning(running: boolean, paused = false): void {
  controls.start.disabled = running;
  controls.pause.disabled = !running || paused;
  controls.step.disabled = !running || !paused;
  controls.resume.disabled = !running || !paused;
  controls.stop.disabled = !running;
  controls.applyRate.disabled = !running;
}

function redraw(force: boolean): void {
  const now = performance.now();
  if (!force && now - lastDrawn < 250) return;
  lastDrawn = now;
  drawCharts(byId('charts'), [
    { label: 'this run', runs: ['this run'], curves: runCurves(events, history) },
  ]);
}

/** Reads the form; a bad field is named in the status line, and nothing starts. */
function readOptions(): StaticRunOptions | null {
  const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
  const hiddenText = value('hidden');
  const hidden = hiddenText === '' ? [] : hiddenText.split(',').map((s) => Number(s.trim()));
  const learningRate = Number(value('learning-rate'));
  const epochs = Number(value('epochs'));
  const batchSize = Number(value('batch-size'));
  const bad = (what: string) => {
    status.textContent = what;
    return null;
  };
  if (hidden.some((h) => !Number.isInteger(h) || h < 1 || h > 4096)) {
    return bad('Hidden layers: whole numbers from 1 to 4096, separated by commas');
  }
  if (!(learningRate > 0 && learningRate <= 100)) return bad('Learning rate: a number above 0');
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100) return bad('Epochs: 1 to 100');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
    return bad('Batch size: 1 to 10000');
  }
  const optimizer = byId<HTMLSelectElement>('optimizer').value as StaticRunOptions['optimizer'];
  return { hidden, optimizer, learningRate, epochs, batchSize, seed: 1 };
}

byId('start-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const options = readOptions();
  if (!options) return;
  events = [];
  history = [];
  byId('epochs-table').querySelector('tbody')!.replaceChildren();
  status.textContent = 'starting…';
  status.dataset.state = 'starting';
  delete status.dataset.reached90;
  started = performance.now();
  setRunning(true);
  explanations.name = `the run started ${new Date().toLocaleTimeString()}`;
  trained = true;
  batches = workerBatches(explanations.name);
  batchView.keepFor(batches);
  send({ type: 'start', options });
});
controls.pause.addEventListener('click', () => send({ type: 'pause' }));
controls.step.addEventListener('click', () => {
  stepping = true;
  send({ type: 'step' });
});
controls.resume.addEventListener('click', () => {
  setRunning(true);
  send({ type: 'resume' });
});
// Stop ends what trains: the run, or the lesson whose arm trains
controls.stop.addEventListener('click', () =>
  lessons.active ? lessons.stop() : send({ type: 'stop' }),
);
// a new learning rate while a run trains: from its next step on (see the epochs' table)
controls.applyRate.addEventListener('click', () => {
  const value = Number(byId<HTMLInputElement>('learning-rate').value.trim());
  if (!(value > 0 && value <= 100)) {
    status.textContent = 'Learning rate: a number above 0';
    return;
  }
  send({ type: 'learningRate', value });
  status.textContent = `learning rate ${value} from the next step on`;
});

/** The worker's records of the steps Step let go in the run named `name` (posted before its pause). */
function workerBatches(name: string): BatchSource {
  return {
    name,
    record: async (step) => {
      if (lastInside?.step !== step) throw new Error(`the worker has not laid open step ${step}`);
      return lastInside;
    },
  };
}

function threadsText(): string {
  return threads === 1 ? '1 thread' : `${threads} threads`;
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function onEpoch(metrics: EpochMetrics): void {
  history.push(metrics);
  events.push({
    type: 'epoch',
    step: metrics.steps,
    epoch: metrics.epoch,
    trainLoss: metrics.trainLoss,
    trainAccuracy: metrics.trainAccuracy,
    testLoss: metrics.testLoss,
    testAccuracy: metrics.testAccuracy,
  });
  const elapsed = (performance.now() - started) / 1000;
  // the first epoch at 90% on the test set, in seconds since Start (loading the data included)
  if (metrics.testAccuracy >= 0.9 && status.dataset.reached90 === undefined) {
    status.dataset.reached90 = elapsed.toFixed(2);
  }
  const table = byId('epochs-table');
  table.hidden = false;
  const row = document.createElement('tr');
  row.append(
    cell(String(metrics.epoch)),
    cell(metrics.trainLoss.toFixed(4)),
    cell(metrics.testLoss.toFixed(4)),
    cell(`${(100 * metrics.testAccuracy).toFixed(2)}%`),
    // a rate set during the epoch: its first step's rate, then its last's
    cell(
      metrics.firstLearningRate === undefined
        ? String(metrics.learningRate)
        : `${metrics.firstLearningRate} → ${metrics.learningRate}`,
    ),
    cell(metrics.seconds.toFixed(2)),
  );
  table.querySelector('tbody')!.append(row);
  status.textContent =
    `epoch ${metrics.epoch}: test accuracy ${(100 * metrics.testAccuracy).toFixed(2)}% ` +
    `(${elapsed.toFixed(1)} s since Start, ${trainCount} training images, ${threadsText()})`;
  status.dataset.testAccuracy = String(metrics.testAccuracy);
  redraw(true);
}

// a worker that cannot load or throws outside a run says so here, not only in the console
worker.addEventListener('error', (event) => {
  setRunning(false);
  status.dataset.state = 'failed';
  status.textContent = `the training worker failed: ${event.message || 'it could not be loaded'}`;
});

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (lessons.receive(message)) return;
  switch (message.type) {
    case 'ready':
      trainCount = message.trainCount;
      threads = message.threads;
      status.textContent =
        `training on ${message.trainCount} images ` +
        `(${message.engine} engine, ${threadsText()})…`;
      status.dataset.state = 'running';
      return;
    case 'log':
      events.push({ type: 'step', ...message.log });
      redraw(false);
      return;
    case 'epoch':
      onEpoch(message.metrics);
      return;
    case 'paused':
      status.textContent = `paused at step ${message.step}`;
      setRunning(true, true);
      if (stepping && batches) void batchView.show(batches, message.step);
      stepping = false;
      return;
    case 'inside':
      lastInside = message.record;
      return;
    case 'end':
      setRunning(false);
      status.dataset.state = message.status;
      if (message.status === 'failed') status.textContent = `failed: ${message.message}`;
      else status.textContent += ` — ${message.status}`;
      if (message.model) {
        if (download.href) URL.revokeObjectURL(download.href);
        download.href = URL.createObjectURL(
          new Blob([message.model], { type: 'application/json' }),
        );
        download.hidden = false;
        hasModel = true;
        byId('draw-model').textContent = 'Drawings are classified by the last run.';
      }
      redraw(true);
      return;
    case 'prediction':
      pad.showPrediction(message.label, message.probabilities);
      return;
    case 'explanation':
    case 'stepped':
    case 'unanswered':
      explanations.receive(message);
      return;
    case 'error':
      setRunning(false);
      status.dataset.state = 'failed';
      status.textContent = `failed: ${message.message}`;
      return;
  }
});

// ---- drawing ----

const pad = new DrawingPad(() => {
  const pixels = pad.digit();
  if (pixels && (hasModel || history.length > 0)) {
    send({ type: 'classify', pixels: Array.from(pixels) });
  }
});
mountStepView(byId('open-step-view'), byId('step-view'), () =>
  trained ? explanations : undefined,
);

// a lesson's arms train in the worker one at a time: no run of the form meanwhile; Stop stops it
/** The page's controls while a lesson holds it (`said`: what it does), or once it is free. */
function lessonHolds(holds: boolean, said: string): void {
  controls.start.disabled = holds;
  controls.stop.disabled = !holds;
  status.textContent = said;
  status.dataset.state = holds ? 'lesson' : 'idle';
}

const lessons = new StaticLessons(byId('lessons'), byId('lesson-view'), send, {
  busy: () => (controls.start.disabled ? 'A run is training: stop it first.' : null),
  hold: (said) => lessonHolds(said !== null, said ?? 'ready: press Start'),
  arm: (name, said) => {
    lessonHolds(name !== null, said);
    if (name === null) {
      hasModel = true;
      byId('draw-model').textContent = 'Drawings are classified by the lesson’s last arm.';
      return;
    }
    explanations.name = `the lesson’s arm “${name}”`;
    trained = true;
  },
});
status.textContent = 'ready: press Start';
status.dataset.state = 'idle';
