// Pause, Step, Resume and the learning rate of the selected run, when it trains and was started
// from this studio: buttons and a number field with Set, and where it stands (its step, whether
// paused, its rate). Controls go to POST /api/runs/:id/control and take effect before its next
// batch; the run logs each to its events.jsonl. The state is polled while such a run is shown.
// After Step, once the run says it took it, the step is laid open below them (batchView.ts).
// Below them, for any run that has weight pictures over training (run/snapshots.ts: runs
// started here), a slider scrubs them step by step.

import type { RunSummary } from '../studio/api.js';
import { serverBatches, type BatchView } from './batchView.js';
import { element } from './dom.js';

interface ControlState {
  step: number;
  paused: boolean;
  lr: number;
}

/** How often the shown run's state is asked for, in ms. */
const POLL_MS = 300;

/**
 * Fills `container` with the controls and keeps them in step with `current()`, the run shown
 * (undefined: none, or several). They show only for a run training that was started here.
 * `refresh()` checks again at once: the page calls it when the list changes, so that a run that
 * has just stopped loses its controls before its own Resume (from its checkpoint) appears.
 */
export function mountRunControls(
  container: HTMLElement,
  current: () => RunSummary | undefined,
  batchView: BatchView,
): { refresh: () => void } {
  const group = element('div', {
    role: 'group',
    'aria-label': 'Training controls',
    class: 'run-controls',
  });
  const pause = element('button', { type: 'button' }, 'Pause');
  const step = element('button', { type: 'button' }, 'Step');
  const resume = element('button', { type: 'button' }, 'Resume');
  const form = element('form', { class: 'rate-form' });
  const label = element('label', { for: 'control-lr' }, 'learning rate ');
  const input = element('input', {
    id: 'control-lr',
    type: 'number',
    min: '0',
    step: 'any',
    inputmode: 'decimal',
  });
  const set = element('button', { type: 'submit' }, 'Set');
  form.append(label, input, set);
  const status = element('p', { role: 'status', 'data-testid': 'control-status', class: 'hint' });
  const error = element('p', { role: 'alert', class: 'error' });
  group.append(pause, step, resume, form, status, error);
  const scrubber = mountScrubber();
  container.replaceChildren(group, scrubber.figure);
  group.hidden = true;

  let shownId = '';
  let state: ControlState | null = null;
  /** The step after which Step was pressed, until the run says it took the next. */
  let steppedFrom: number | null = null;

  const render = () => {
    const paused = state?.paused ?? false;
    pause.disabled = !state || paused;
    step.disabled = !paused;
    resume.disabled = !paused;
    status.textContent = state
      ? `${paused ? 'Paused' : 'Training'} after step ${state.step}, learning rate ${state.lr.toPrecision(3)}`
      : 'Waiting for the run to report…';
  };

  const send = async (body: { action: string; lr?: number }) => {
    error.textContent = '';
    const response = await fetch(`/api/runs/${encodeURIComponent(shownId)}/control`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 202) {
      const json = (await response.json().catch(() => ({}))) as { error?: string; result?: string };
      error.textContent = `could not ${body.action}: ${json.result ?? json.error ?? response.status}`;
    }
    await poll();
  };
  pause.addEventListener('click', () => void send({ action: 'pause' }));
  step.addEventListener('click', () => {
    steppedFrom = state?.step ?? null;
    void send({ action: 'step' });
  });
  resume.addEventListener('click', () => void send({ action: 'resume' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const lr = Number(input.value);
    if (!(input.value.trim() !== '' && Number.isFinite(lr) && lr > 0)) {
      error.textContent = 'the learning rate is a number above 0';
      input.focus();
      return;
    }
    void send({ action: 'lr', lr });
  });

  async function poll(): Promise<void> {
    const run = current();
    void scrubber.update(run);
    batchView.keepFor(run && serverBatches(run.id));
    const live = run && run.status === 'running' && run.startedHere;
    if (!live) {
      group.hidden = true;
      shownId = '';
      state = null;
      return;
    }
    if (run.id !== shownId) {
      shownId = run.id;
      state = null;
      steppedFrom = null;
      input.value = '';
      error.textContent = '';
    }
    group.hidden = false;
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(run.id)}/control`);
      if (response.ok && run.id === shownId) state = (await response.json()) as ControlState | null;
    } catch {
      // the connection's status says the studio is gone
    }
    if (state?.paused && steppedFrom !== null && state.step > steppedFrom) {
      steppedFrom = null;
      void batchView.show(serverBatches(run.id), state.step);
    }
    render();
  }

  render();
  setInterval(() => void poll(), POLL_MS);
  return { refresh: () => void poll() };
}

/** How often a training run's list of pictures is asked for, in ms. */
const SNAPSHOTS_MS = 1500;

/** The slider over a run's weight pictures: its figure, and `update` with the run shown. */
function mountScrubber() {
  const figure = element('figure', { class: 'weight-snapshots' });
  const caption = element('figcaption', {}, 'Weights over training');
  const label = element('label', { for: 'snapshot-step' }, 'training step ');
  const slider = element('input', { id: 'snapshot-step', type: 'range', min: '0', step: '1' });
  const stepText = element('output', { for: 'snapshot-step', 'data-testid': 'snapshot-step' });
  const image = element('img', { alt: '', 'data-testid': 'snapshot-image' });
  figure.append(caption, label, slider, stepText, image);
  figure.hidden = true;
  let shownId = '';
  let steps: number[] = [];
  let asked = 0;
  /** The run's status when its list was last asked for: its end asks once more, for the last. */
  let askedStatus = '';
  /** Which ask is the newest: an older answer that comes after it is dropped. */
  let asking = 0;

  const show = () => {
    const step = steps[Number(slider.value)];
    if (step === undefined) return;
    stepText.textContent = String(step);
    slider.setAttribute('aria-valuetext', `step ${step}`);
    image.src = `/api/runs/${encodeURIComponent(shownId)}/snapshots/${step}`;
    image.alt = `the weights after step ${step}`;
  };
  slider.addEventListener('input', show);
  image.addEventListener('error', () => (asked = 0)); // thinned meanwhile: ask for the list again

  async function update(run: RunSummary | undefined): Promise<void> {
    if (!run || !run.logged || ['queued', 'starting', 'unreadable'].includes(run.status)) {
      figure.hidden = true;
      shownId = '';
      return;
    }
    const fresh = run.id !== shownId;
    const now = Date.now();
    // a run that trains gets new pictures; another's are asked for once, and a run that has
    // just ended once more (its last pictures came after the list was last asked for)
    const changed = run.status !== askedStatus;
    const due = run.status === 'running' && now - asked >= SNAPSHOTS_MS;
    if (!fresh && !changed && !due && asked !== 0) return;
    asked = now;
    askedStatus = run.status;
    shownId = run.id;
    const ask = ++asking;
    let listed: number[] = [];
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(run.id)}/snapshots`);
      if (response.ok) listed = ((await response.json()) as { steps: number[] }).steps;
    } catch {
      return;
    }
    if (run.id !== shownId || ask !== asking) return;
    const atEnd = fresh || Number(slider.value) >= steps.length - 1;
    steps = listed;
    figure.hidden = steps.length === 0;
    if (steps.length === 0) return;
    slider.max = String(steps.length - 1);
    // the newest while the slider is at its end; else the same step (or the nearest after it)
    const kept = steps.findIndex((step) => step >= Number(stepText.textContent));
    slider.value = String(atEnd || kept < 0 ? steps.length - 1 : kept);
    show();
  }

  return { figure, update };
}
