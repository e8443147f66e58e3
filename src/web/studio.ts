// The studio's page: the runs of the folder, live (server-sent events); one run's view or several
// overlaid; a form that starts a run; lessons; a canvas to draw a digit on, prepared as `predict`
// prepares pictures (the same code) and classified by the selected run's model as you draw.

import type { Comparison, RunCurves } from '../report/series.js';
import type { RunEvaluation, RunSummary } from '../studio/api.js';
import { clearCharts, drawCharts } from './charts.js';
import { dependentPlaceholders, formFields, type FormField } from './formFields.js';
import { mountLessons } from './lessonView.js';
import { mountStepView, serverSource } from './stepView.js';
import { mountRunControls } from './runControls.js';
import { mountBatchView } from './batchView.js';
import { DrawingPad } from './drawingPad.js';
import './studio.css';
import { api, element } from './dom.js';
import { grouped, plural } from '../numbers.js';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let runs: RunSummary[] = [];
const selected = new Set<string>();
/** What the view shows now: the selection and its runs' state, to redraw only on a change. */
let shown = '';
/** The run and epoch whose weights, confusion matrix and mistakes are shown. */
let detailsShown = '';

/** A run's path in the API: its id is a folder's name, any name (`my run`, `über`). */
const runPath = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

const percent = (value: number | null) => (value === null ? '–' : `${(100 * value).toFixed(2)}%`);

/** What a run is doing, as a person says it: a running run paused by its controls is `paused`. */
const statusOf = (run: RunSummary) => (run.paused ? 'paused' : run.status);

/** "784-256-10 (batchnorm, relu), adam": what a run trains, in a few words. */
function describe(run: RunSummary): string {
  const { model, optimizer, loss } = (run.config ?? {}) as Record<string, string | undefined>;
  if (!model) return '';
  return [model, optimizer, loss === 'mse' ? 'squared error' : null].filter(Boolean).join(', ');
}

// ---- the list of runs ----

type SortKey = 'started' | 'accuracy' | 'loss';
/** The table's order: newest first until a column header asks for another. */
const sort: { key: SortKey; descending: boolean } = { key: 'started', descending: true };

/** The runs in the table's order: null figures (no epoch yet) last, whichever the direction. */
function sortedRuns(): RunSummary[] {
  const value = (run: RunSummary) =>
    sort.key === 'started'
      ? run.started
      : sort.key === 'accuracy'
        ? run.testAccuracy
        : run.testLoss;
  return [...runs].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return sort.descending ? y - x : x - y;
  });
}

/** Whether a run matches the filter box's words (each word somewhere in its id, status, model). */
function matches(run: RunSummary, filter: string): boolean {
  const text = [run.id, statusOf(run), describe(run), JSON.stringify(run.config)]
    .join(' ')
    .toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .every((word) => text.includes(word));
}

function setupList(): void {
  for (const header of document.querySelectorAll<HTMLElement>('#run-table th[data-sort]')) {
    header.querySelector('button')!.addEventListener('click', () => {
      const key = header.dataset.sort as SortKey;
      // a new column starts at its best: high accuracy, low loss, the newest
      sort.descending = sort.key === key ? !sort.descending : key !== 'loss';
      sort.key = key;
      renderList();
    });
  }
  byId('run-filter').addEventListener('input', renderList);
}

function renderList(): void {
  for (const header of document.querySelectorAll<HTMLElement>('#run-table th[data-sort]')) {
    const sorted = header.dataset.sort === sort.key;
    header.setAttribute(
      'aria-sort',
      sorted ? (sort.descending ? 'descending' : 'ascending') : 'none',
    );
    // the arrow is for the eye: aria-sort tells a screen reader, and the name stays the column's
    header.querySelector('.arrow')!.textContent = sorted ? (sort.descending ? ' ▼' : ' ▲') : '';
  }
  const filter = byId<HTMLInputElement>('run-filter').value.trim();
  // a selected run stays in sight whatever the filter
  const shownRuns = sortedRuns().filter((run) => selected.has(run.id) || matches(run, filter));
  byId('run-count').textContent = filter
    ? `${shownRuns.length} of ${runs.length} runs match`
    : `${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const list = byId<HTMLTableSectionElement>('run-list');
  // the keyboard's focus on a run's checkbox stays on it (its replacement) as the list is redrawn
  const focused = document.activeElement?.closest<HTMLElement>('#run-list tr')?.dataset.id;
  list.replaceChildren(
    ...shownRuns.map((run) => {
      const box = element('input', { type: 'checkbox' });
      box.checked = selected.has(run.id);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(run.id);
        else selected.delete(run.id);
        renderList();
        renderModelChoice();
        void renderSelection();
      });
      const epochs = run.epochs > 0 ? `, epoch ${run.epochs}` : '';
      return element(
        'tr',
        {
          'data-testid': 'run-item',
          'data-id': run.id,
          'data-status': statusOf(run),
          class: selected.has(run.id) ? 'selected' : '',
        },
        element(
          'td',
          {},
          element('label', {}, box, ` ${run.id}`),
          element(
            'span',
            { class: 'what' },
            element('span', { class: `status ${statusOf(run)}` }, statusOf(run)),
            epochs,
            describe(run) ? ` · ${describe(run)}` : '',
          ),
        ),
        element('td', { class: 'number' }, percent(run.testAccuracy)),
        element('td', { class: 'number' }, run.testLoss === null ? '–' : run.testLoss.toFixed(4)),
      );
    }),
  );
  const refocus = [...list.rows].find((row) => row.dataset.id === focused);
  refocus?.querySelector('input')?.focus();
}

// ---- the selected runs ----

function colourScale(largest: number): HTMLElement {
  const label = (v: number) => element('span', {}, String(+v.toPrecision(3)));
  return element(
    'div',
    { class: 'colour-scale' },
    element('div', { class: 'bar' }),
    element('div', { class: 'labels' }, label(-largest), label(0), label(largest)),
  );
}

/**
 * The strongest tint of a confusion cell: its number stays readable (4.5:1 or more) on it in
 * light and in dark mode, on the full blue of a diagonal and the full red of a mistake.
 */
const MOST_TINT = 0.6;

function confusionTable(evaluation: RunEvaluation): HTMLElement {
  const { classes, confusion } = evaluation;
  const header = element('tr', {}, element('th', {}, 'true \\ predicted'));
  for (const name of classes) header.append(element('th', {}, name));
  const rows = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const tr = element('tr', {}, element('th', {}, classes[t]));
    row.forEach((count, p) => {
      const share = count / total;
      const cell = element('td', {}, String(count));
      cell.style.background =
        t === p
          ? `rgba(31,119,180,${MOST_TINT * share})`
          : `rgba(214,39,40,${MOST_TINT * Math.min(1, 5 * share)})`;
      tr.append(cell);
    });
    return tr;
  });
  return element('table', { class: 'confusion' }, header, ...rows);
}

function digit(pixels: Uint8Array, width: number, height: number): HTMLCanvasElement {
  const canvas = element('canvas', { width: String(width), height: String(height) });
  const image = new ImageData(width, height);
  pixels.forEach((value, i) => image.data.set([value, value, value, 255], 4 * i));
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

async function renderDetails(id: string): Promise<void> {
  const details = byId('details');
  const weights = await fetch(`${runPath(id)}/weights.png`);
  const answer = await api<RunEvaluation | { error: string } | null>(`${runPath(id)}/evaluation`);
  const evaluation = answer.status === 200 ? (answer.json as RunEvaluation | null) : null;
  const parts: HTMLElement[] = [];
  // a model that cannot be read (a damaged model.json): the server's line says why
  if (answer.status !== 200 && answer.json && 'error' in answer.json) {
    parts.push(element('p', { class: 'error' }, answer.json.error));
  }
  if (weights.status === 200) {
    const largest = Number(weights.headers.get('X-Largest-Weight'));
    const image = element('img', { alt: 'learned weights', id: 'weights' });
    image.src = URL.createObjectURL(await weights.blob());
    parts.push(
      element(
        'div',
        { class: 'weights' },
        element('h3', {}, 'Weights'),
        image,
        colourScale(largest),
      ),
    );
  }
  if (evaluation) {
    const wrong = evaluation.misclassified.map(({ index, label, predicted, pixels }) => {
      const bytes = Uint8Array.from(atob(pixels), (c) => c.charCodeAt(0));
      return element(
        'figure',
        {},
        digit(bytes, evaluation.width, evaluation.height),
        element('figcaption', {}, `#${index}: ${predicted}, true ${label}`),
      );
    });
    parts.push(
      element(
        'div',
        {},
        element(
          'h3',
          {},
          `Test set: ${percent(evaluation.accuracy)} of ${grouped(evaluation.count)} (model as of its last epoch)`,
        ),
        confusionTable(evaluation),
      ),
      element(
        'div',
        { class: 'misclassified' },
        element('h3', {}, 'Misclassified test digits'),
        ...wrong,
      ),
    );
  }
  if (selected.size === 1 && selected.has(id)) details.replaceChildren(...parts);
}

/** Where the server hands out a run's files (its metrics, for the charts' download links). */
const runFiles = (id: string) => `/runs/${encodeURIComponent(id)}/`;

/** The run whose Stop, Resume and report buttons are shown ('' for none). */
let actionsOf = '';

async function renderSelection(force = false): Promise<void> {
  // in the order they were selected: a lesson's arms in its order, coloured as its chart colours them
  const ids = [...selected].filter((id) => runs.some((run) => run.id === id));
  const state = JSON.stringify(runs.filter((run) => selected.has(run.id)));
  if (!force && state === shown) return;
  shown = state;
  const title = byId('selection-title');
  const summary = byId('selection-summary');
  const stop = byId<HTMLButtonElement>('stop');
  const resume = byId<HTMLButtonElement>('resume');
  const report = byId<HTMLAnchorElement>('report-link');
  const charts = byId('charts');
  const details = byId('details');
  // a run's buttons change when its answer comes: hidden meanwhile, Stop would flicker at every
  // update of a running run, under the pointer about to click it; another run's go at once
  const hideActions = () => {
    stop.hidden = true;
    resume.hidden = true;
    report.hidden = true;
    actionsOf = '';
  };
  if (!(ids.length === 1 && ids[0] === actionsOf)) hideActions();
  detailsShown = ids.length === 1 ? detailsShown : '';
  if (ids.length === 0) {
    hideActions();
    title.textContent = 'No run selected';
    summary.textContent = '';
    clearCharts(charts);
    details.replaceChildren();
    return;
  }
  if (ids.length > 1) {
    hideActions();
    title.textContent = `${ids.length} runs overlaid`;
    // a run queued or starting has no folder yet: say so, and draw once they all have one
    // (or is not listed yet: the list follows the server's stream)
    const listedStatus = (id: string) => runs.find((run) => run.id === id)?.status ?? 'queued';
    const statuses = (some: string[]) => some.map((id) => `${id}: ${listedStatus(id)}`).join(', ');
    const waiting = ids.filter((id) => ['queued', 'starting'].includes(listedStatus(id)));
    if (waiting.length) {
      summary.textContent = `Waiting for ${waiting.length} of them to start (${statuses(waiting)}).`;
      shown = ''; // draw them on the next update
      clearCharts(charts);
      details.replaceChildren();
      return;
    }
    // a run that ended before it wrote a log (stopped or failed as it started) has no curves
    const unlogged = ids.filter((id) => !runs.find((run) => run.id === id)!.logged);
    const unloggedNote = unlogged.length
      ? ` Not drawn, as they ended before writing a log: ${statuses(unlogged)}.`
      : '';
    if (unlogged.length === ids.length) {
      summary.textContent = `None of them wrote a log (${statuses(unlogged)}): nothing to draw.`;
      clearCharts(charts);
      details.replaceChildren();
      return;
    }
    const query = ids
      .filter((id) => !unlogged.includes(id))
      .map((id) => `run=${encodeURIComponent(id)}`)
      .join('&');
    const { status, json } = await api<Comparison>(`/api/compare?${query}`);
    if (status !== 200) {
      summary.textContent = `could not compare them: ${(json as { error?: string }).error ?? status}`;
      shown = ''; // try again on the next update
      clearCharts(charts);
      details.replaceChildren();
      return;
    }
    summary.textContent =
      (json.differing.length
        ? `They differ in ${json.differing.join(', ')}; runs differing only in seed are drawn as a mean with a min–max band.`
        : 'They have the same options.') + unloggedNote;
    drawCharts(
      charts,
      json.entries.map((entry) => ({ ...entry, files: entry.runs.map(runFiles) })),
    );
    details.replaceChildren();
    return;
  }
  const id = ids[0];
  const listed = runs.find((run) => run.id === id)!;
  if (listed.status === 'unreadable') {
    hideActions();
    title.textContent = `Run ${id}`;
    summary.textContent = `unreadable: ${listed.message ?? ''}`;
    clearCharts(charts);
    details.replaceChildren();
    return;
  }
  if (listed.status === 'queued' || listed.status === 'starting') {
    hideActions();
    title.textContent = `Run ${id}`;
    summary.textContent = `${listed.status}…`;
    stop.hidden = false;
    stop.onclick = () => void act(`${runPath(id)}/stop`);
    clearCharts(charts);
    details.replaceChildren();
    return;
  }
  if (!listed.logged) {
    hideActions();
    title.textContent = `Run ${id}`;
    summary.textContent = `${listed.status}${listed.message ? ` (${listed.message})` : ''} before it wrote a log: nothing to draw.`;
    clearCharts(charts);
    details.replaceChildren();
    return;
  }
  const { status, json: run } = await api<RunSummary & { curves: RunCurves }>(runPath(id));
  if (status !== 200) {
    hideActions();
    return;
  }
  title.textContent = `Run ${id}`;
  summary.textContent =
    `${statusOf(run)}${run.message ? ` (${run.message})` : ''}. ${describe(run)}; ` +
    `${plural(run.epochs, 'epoch')}, ${plural(Math.max(run.steps, run.lastStep), 'step')}, ` +
    `test accuracy ${percent(run.testAccuracy)}.`;
  stop.hidden = !(run.startedHere && ['running', 'starting', 'queued'].includes(run.status));
  stop.onclick = () => void act(`${runPath(id)}/stop`);
  // a stopped run with a finished epoch: continued as `train --resume` would (once the list
  // says so too, when the training controls, whose Resume unpauses, have gone)
  resume.hidden = !(
    run.status === 'interrupted' &&
    listed.status === 'interrupted' &&
    run.epochs > 0
  );
  resume.onclick = () => void act(`${runPath(id)}/resume`);
  report.hidden = !(['finished', 'interrupted'].includes(run.status) && run.epochs > 0);
  report.href = `${runFiles(id)}report.html`;
  actionsOf = id;
  drawCharts(charts, [{ label: id, runs: [id], curves: run.curves, files: [runFiles(id)] }]);
  // the model changes once an epoch: its pictures are fetched again only then
  const epochShown = `${id}:${run.epochs}`;
  if (epochShown === detailsShown) return;
  detailsShown = epochShown;
  if (run.epochs > 0) await renderDetails(id);
  else details.replaceChildren();
}

/** Stop or Resume: the server's refusal, if any, shown under the buttons. */
async function act(path: string): Promise<void> {
  const shownError = byId('action-error');
  shownError.textContent = '';
  const { status, json } = await api<{ result?: string; error?: string }>(path, {});
  if (status >= 300) shownError.textContent = json.error ?? json.result ?? `refused (${status})`;
}

// ---- starting runs ----

/** Characters of a placeholder or choice that a control beside its label shows whole. */
const BESIDE_LABEL = 22;

/**
 * One field of the form, as formFields() describes it: its label around its control (above it
 * when its text is longer than fits beside it), then the place of its error, which the control
 * names in aria-describedby (with its help).
 */
function fieldElement(field: FormField): HTMLElement[] {
  const errorId = `error-${field.name}`;
  const describedBy = { 'aria-describedby': errorId, title: field.help };
  const error = element('p', { class: 'error', id: errorId, 'data-error-for': field.name });
  if (field.control === 'checkbox') {
    const box = element('input', { type: 'checkbox', name: field.name, ...describedBy });
    box.checked = field.value === true;
    return [element('label', { class: 'check' }, box, ` ${field.label}`), error];
  }
  const control =
    field.control === 'select'
      ? element(
          'select',
          { name: field.name, ...describedBy },
          ...field.choices!.map((choice) =>
            element('option', { value: choice.value }, choice.text),
          ),
        )
      : element('input', {
          name: field.name,
          ...describedBy,
          ...(field.placeholder ? { placeholder: field.placeholder } : {}),
        });
  control.value = String(field.value);
  const texts = [field.placeholder ?? '', ...(field.choices ?? []).map((choice) => choice.text)];
  const long = texts.some((text) => text.length > BESIDE_LABEL);
  return [element('label', long ? { class: 'above' } : {}, `${field.label} `, control), error];
}

/** The form's values as the API takes them: empty fields are not sent (the defaults). */
function formOptions(form: HTMLFormElement): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const field of form.elements) {
    if (!(field instanceof HTMLInputElement || field instanceof HTMLSelectElement)) continue;
    if (!field.name) continue;
    if (field instanceof HTMLInputElement && field.type === 'checkbox') {
      options[field.name] = field.checked;
    } else if (field.value.trim() !== '') {
      options[field.name] = field.value.trim();
    }
  }
  if (!options.hidden) delete options.activation; // no hidden layers: no activation
  return options;
}

/** The server's errors by field, each beside its field (and the form's own above Start). */
function showErrors(form: HTMLFormElement, errors: Record<string, string>): void {
  const general: string[] = [];
  let first: HTMLElement | null = null;
  for (const [name, message] of Object.entries(errors)) {
    const place = form.querySelector<HTMLElement>(`.error[data-error-for="${CSS.escape(name)}"]`);
    if (!place || !name) {
      general.push(message);
      continue;
    }
    place.textContent = message;
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`)!;
    control.setAttribute('aria-invalid', 'true');
    // an error in a folded option unfolds it
    if (place.closest('details')) (place.closest('details') as HTMLDetailsElement).open = true;
    first ??= control;
  }
  byId('form-error').textContent = general.join(' ');
  first?.focus();
}

function setupForm(): void {
  const form = byId<HTMLFormElement>('start-form');
  const fields = formFields();
  byId('form-fields').replaceWith(
    ...fields.filter((field) => !field.advanced).flatMap(fieldElement),
  );
  byId('advanced-fields').replaceWith(
    ...fields.filter((field) => field.advanced).flatMap(fieldElement),
  );
  // the defaults that depend on other fields, shown as the fields' placeholders
  const named = (name: string) => form.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
  const showDefaults = () => {
    const shown = dependentPlaceholders({
      optimizer: named('optimizer').value,
      hidden: named('hidden').value,
    });
    named('lr').placeholder = shown.lr;
    named('epochs').placeholder = shown.epochs;
  };
  form.addEventListener('input', showDefaults);
  showDefaults();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const error of form.querySelectorAll('.error')) error.textContent = '';
    for (const invalid of form.querySelectorAll('[aria-invalid]')) {
      invalid.removeAttribute('aria-invalid');
    }
    const { status, json } = await api<{
      id?: string;
      errors?: Record<string, string>;
      error?: string;
    }>('/api/runs', formOptions(form));
    if (status === 201 && json.id) {
      // the new run: on top of the list (newest first), selected, the filter cleared
      selected.clear();
      selected.add(json.id);
      byId<HTMLInputElement>('run-filter').value = '';
      sort.key = 'started';
      sort.descending = true;
      renderList();
      return;
    }
    showErrors(form, json.errors ?? { '': json.error ?? 'the run did not start' });
  });
}

function setupLessons(): void {
  void mountLessons(byId('lessons'), byId('lesson-view'), (ids) => {
    selected.clear();
    for (const id of ids) selected.add(id);
  });
}

// ---- drawing ----

/** The run chosen for drawings ('' for the automatic choice). */
let modelChoice = '';
/** The model (run and epochs) the drawing was last classified by, and how to classify it again. */
let classifiedBy = '';
let classifyAgain = (): void => {};

/**
 * The run whose model classifies drawings: the one chosen, else the first selected with a model,
 * else the newest with one.
 */
function drawingModel(): RunSummary | undefined {
  const ready = runs.filter((run) => run.epochs > 0);
  return (
    ready.find((run) => run.id === modelChoice) ??
    ready.find((run) => selected.has(run.id)) ??
    ready[0]
  );
}

/** The drawing's model: the select's choices (the runs with a model) and what it uses now. */
function renderModelChoice(): void {
  const choice = byId<HTMLSelectElement>('draw-model-choice');
  const ready = runs.filter((run) => run.epochs > 0);
  const wanted = ['', ...ready.map((run) => run.id)];
  const have = [...choice.options].map((option) => option.value);
  if (JSON.stringify(wanted) !== JSON.stringify(have)) {
    choice.replaceChildren(
      element('option', { value: '' }, 'the selected run, else the newest'),
      ...ready.map((run) => element('option', { value: run.id }, run.id)),
    );
  }
  if (!wanted.includes(modelChoice)) modelChoice = '';
  choice.value = modelChoice;
  const model = drawingModel();
  byId('draw-model').textContent = model
    ? `Drawings are classified by run ${model.id}${describe(model) ? ` (${describe(model)})` : ''}.`
    : 'No run has a model yet: train one to classify drawings.';
  // another run's model, or a newer epoch's: the drawing's probabilities are its
  const by = model ? `${model.id} ${model.epochs}` : '';
  if (by !== classifiedBy) {
    classifiedBy = by;
    classifyAgain();
  }
}

function setupDrawing(): void {
  let busy = false;
  let again = false;
  const pad = new DrawingPad(() => void classify());
  classifyAgain = () => void classify();

  // one request at a time; a change meanwhile is classified when it answers
  async function classify(): Promise<void> {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    const model = drawingModel();
    const pixels = model ? pad.digit() : null;
    if (model && pixels) {
      const { status, json } = await api<{ label: string; probabilities: number[] }>(
        '/api/predict',
        { run: model.id, pixels: Array.from(pixels) },
      );
      if (status === 200) pad.showPrediction(json.label, json.probabilities);
    }
    busy = false;
    if (again) {
      again = false;
      void classify();
    }
  }

  byId<HTMLSelectElement>('draw-model-choice').addEventListener('change', (event) => {
    modelChoice = (event.target as HTMLSelectElement).value;
    renderModelChoice();
  });
}

// ---- live ----

function connect(): void {
  const status = byId('connection');
  const stream = new EventSource('/api/stream');
  stream.addEventListener('open', () => (status.textContent = 'live'));
  stream.addEventListener('error', () => (status.textContent = 'reconnecting…'));
  stream.addEventListener('runs', (event) => {
    runs = JSON.parse((event as MessageEvent<string>).data) as RunSummary[];
    for (const id of [...selected]) if (!runs.some((run) => run.id === id)) selected.delete(id);
    renderList();
    renderModelChoice();
    runControls.refresh();
    void renderSelection();
  });
}

setupList();
const runControls = mountRunControls(
  byId('run-controls'),
  () => (selected.size === 1 ? runs.find((run) => selected.has(run.id)) : undefined),
  mountBatchView(byId('batch-view')),
);
setupForm();
setupDrawing();
void setupLessons();
mountStepView(byId('open-step-view'), byId('step-view'), () => {
  const run = drawingModel()?.id;
  return run === undefined ? undefined : serverSource(run);
});
connect();
