// The lessons on the studio page: a button for each; a click starts the lesson's runs and shows,
// in the lesson's panel, its arms as they go (queued, starting, running, finished), the claim
// with the figures its runs produced (from /api/lessons/NAME/figures, "so far" while they run),
// what the charts need said (dead ReLUs, a diverged arm), and a chart of each quantity the claim
// is about, the arms overlaid (a colour per arm, a dash per layer, a dot where a diverged arm
// ends). "Stop the lesson" stops its arms (POST /api/lessons/NAME/stop); a stopped lesson's panel
// says how far each arm went and compares nothing. The static page feeds the same panel the
// figures of arms its worker runs (staticLessons.ts).

import type { LessonFigures, FigureChart } from '../studio/lessonFigures.js';
import type { Lesson } from '../studio/lessons.js';
import { drawSpecs, clearCharts } from './charts.js';
import { DASHES, PALETTE, type ChartSpec } from './chartSpecs.js';
import { api, element } from './dom.js';
import './lessonView.css';

/** A lesson's figures, and each arm's name and status. */
export type Figures = LessonFigures & { arms: { status: string; name: string }[] };

/** An arm's statuses while "Stop the lesson" has something to stop. */
const LIVE = new Set(['queued', 'starting', 'running']);

/** How often a lesson's figures are fetched while its runs go, in milliseconds. */
const POLL_MS = 1000;

/** A lesson's chart as the charts module draws it: the arms in colours, the layers in dashes. */
function chartSpec(lesson: string, chart: FigureChart, index: number): ChartSpec {
  return {
    name: index === 0 ? `lesson-${lesson}` : `lesson-${lesson}-${index + 1}`,
    title: chart.title,
    yLabel: chart.yLabel,
    log: chart.log,
    scaleToggle: !chart.percent,
    percent: chart.percent,
    lines: chart.lines.map((line) => ({
      label: line.label,
      colour: PALETTE[line.arm % PALETTE.length],
      dash: DASHES[line.layer % DASHES.length],
      x: { step: line.steps, epoch: line.epochs, time: line.steps.map(() => null) },
      y: line.y,
      style: line.points ? ('points' as const) : ('line' as const),
      smoothed: !line.points,
    })),
  };
}

/**
 * The panel of the lesson being shown; a new lesson replaces it (and stops its polling). Below
 * the arms' list, while one of them is queued or runs, "Stop the lesson" calls `stop` (its answer:
 * why it could not, or null); once the stopped lesson's heading shows, the keyboard's focus goes
 * to it (the button has gone).
 */
export class LessonPanel {
  private closed = false;
  private drawn = '';
  /** Stop was asked for: focus the stopped lesson's heading when it shows. */
  private stopAsked = false;
  private readonly arms = element('ul', { class: 'lesson-arms' });
  private readonly stopButton = element('button', { type: 'button' }, 'Stop the lesson');
  private readonly stopProblem = element('span', { class: 'error', role: 'alert' });
  private readonly stopRow = element('p', {}, this.stopButton, ' ', this.stopProblem);
  private readonly figures = element('div', { class: 'lesson-figures', 'aria-live': 'polite' });
  private readonly notes = element('div', { class: 'lesson-notes' });
  private readonly chart = element('div', { class: 'lesson-chart' });

  constructor(
    private readonly view: HTMLElement,
    private readonly lesson: Lesson,
    stop: () => Promise<string | null>,
  ) {
    this.stopButton.addEventListener('click', async () => {
      this.stopping();
      const problem = await stop();
      this.stopProblem.textContent = problem ?? '';
      if (problem === null) return;
      this.stopAsked = false;
      this.stopButton.disabled = false;
    });
    clearCharts(this.chart);
    view.replaceChildren(
      element('h2', {}, `Lesson: ${lesson.title}`),
      element('p', { class: 'lesson-claim' }, lesson.claim),
      element(
        'p',
        { class: 'hint' },
        `The arms differ only in ${lesson.varies.join(' and ')}: same seed, same initial ` +
          'weights, same batches.',
      ),
      this.arms,
      this.stopRow,
      this.figures,
      this.chart,
      this.notes,
    );
    view.hidden = false;
    view.dataset.lesson = lesson.name;
    // the runs are listed at once, before the server has anything to say about them
    this.showArms(lesson.arms.map((name) => ({ status: 'queued', name })));
    this.figures.replaceChildren(element('p', {}, 'Waiting for the runs to start…'));
  }

  /** Stops its polling: another lesson's panel replaces it. */
  close(): void {
    this.closed = true;
  }

  /** The lesson is being stopped: no second Stop; the stopped heading takes the focus. */
  stopping(): void {
    this.stopAsked = true;
    this.stopButton.disabled = true;
  }

  private showArms(arms: Figures['arms']): void {
    this.stopRow.hidden = !arms.some((arm) => LIVE.has(arm.status));
    this.arms.replaceChildren(
      ...arms.map((arm, a) => {
        const swatch = element('span', { class: 'lesson-swatch', 'aria-hidden': 'true' });
        swatch.style.background = PALETTE[a % PALETTE.length];
        return element('li', { 'data-status': arm.status }, swatch, `${arm.name}: ${arm.status}`);
      }),
    );
  }

  /** Fetches the figures of the runs `ids` (the arms, in order) until every arm has ended. */
  async poll(ids: string[]): Promise<void> {
    const query = ids.map((id) => `run=${encodeURIComponent(id)}`).join('&');
    while (!this.closed) {
      const { status, json } = await api<Figures | { error?: string }>(
        `/api/lessons/${this.lesson.name}/figures?${query}`,
      ).catch(() => ({ status: 0, json: {} as { error?: string } }));
      if (this.closed) return;
      if (status === 200 && 'sentences' in json) {
        this.show(json);
        if (json.done) return;
      } else if (status !== 0) {
        const message = 'error' in json && json.error ? json.error : `status ${status}`;
        this.figures.replaceChildren(element('p', { class: 'error' }, message));
        if (status === 404) return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  show(figures: Figures): void {
    this.showArms(figures.arms);
    const heading = element(
      'h3',
      {},
      figures.stopped
        ? 'The lesson was stopped'
        : figures.done
          ? 'What the runs showed'
          : 'What the runs show so far',
    );
    this.figures.replaceChildren(
      heading,
      ...figures.sentences.map((sentence) => element('p', {}, sentence)),
    );
    if (figures.done && this.stopAsked) {
      // Stop has gone with what it stopped: the heading of what came of it takes the focus
      this.stopAsked = false;
      heading.tabIndex = -1;
      heading.focus();
    }
    this.notes.replaceChildren(
      ...figures.notes.map((note) => element('p', { class: 'lesson-note' }, note)),
    );
    const state = JSON.stringify(figures.charts);
    if (state === this.drawn) return; // unchanged: keep the reader's hover and zoom
    this.drawn = state;
    if (figures.charts.some((chart) => chart.lines.some((line) => line.y.length > 0))) {
      drawSpecs(
        this.chart,
        figures.charts.map((chart, i) => chartSpec(this.lesson.name, chart, i)),
      );
    }
  }
}

/**
 * A button and the claim of each lesson in `list`; a click calls `start`, whose answer, a
 * reason it did not start, shows under the button.
 */
export function lessonButtons(
  list: HTMLElement,
  lessons: Lesson[],
  start: (lesson: Lesson) => Promise<string | null>,
): void {
  list.replaceChildren(
    ...lessons.map((lesson) => {
      const button = element(
        'button',
        { type: 'button', 'data-lesson': lesson.name },
        lesson.title,
      );
      const problem = element('p', { class: 'error', role: 'alert' });
      problem.hidden = true;
      button.addEventListener('click', async () => {
        const reason = await start(lesson);
        problem.hidden = reason === null;
        problem.textContent = reason ?? '';
      });
      return element('div', { class: 'lesson' }, button, element('p', {}, lesson.claim), problem);
    }),
  );
}

/**
 * The lessons' buttons in `list`; a started lesson's panel in `view`. `started` hears the ids
 * of a lesson's runs (the page selects them).
 */
export async function mountLessons(
  list: HTMLElement,
  view: HTMLElement,
  started: (ids: string[]) => void,
): Promise<void> {
  const { json: lessons } = await api<Lesson[]>('/api/lessons');
  let panel: LessonPanel | null = null;
  lessonButtons(list, lessons, async (lesson) => {
    const { status, json } = await api<{ ids?: string[]; error?: string }>(
      `/api/lessons/${lesson.name}`,
      {},
    );
    if (status !== 201 || !json.ids) {
      return json.error ?? `the lesson did not start (status ${status})`;
    }
    const ids = json.ids;
    panel?.close();
    panel = new LessonPanel(view, lesson, () => stopLesson(lesson, ids));
    started(ids);
    view.scrollIntoView?.({ block: 'nearest' });
    void panel.poll(ids);
    return null;
  });
}

/**
 * Stops every arm of a lesson started here (POST /api/lessons/:name/stop): the queued ones leave
 * the queue (not started), the running ones stop as their Stop stops them; the panel's polling
 * shows the outcome. Why it could not, or null. A 409 says its arms had all ended as Stop was
 * pressed: no error, the panel shows the lesson's end.
 */
async function stopLesson(lesson: Lesson, ids: string[]): Promise<string | null> {
  const { status, json } = await api<{ error?: string }>(`/api/lessons/${lesson.name}/stop`, {
    runs: ids,
  }).catch(() => ({ status: 0, json: { error: 'the studio did not answer' } }));
  if (status === 202 || status === 409) return null;
  return `could not stop the lesson: ${json.error ?? `status ${status}`}`;
}
