// The lessons on the studio page: a button for each; a click starts the lesson's runs and shows,
// in the lesson's panel, its arms as they go (queued, starting, running, finished), the claim
// with the figures its runs produced (from /api/lessons/NAME/figures, "so far" while they run),
// what the charts need said (dead ReLUs, a diverged arm), and a chart of each quantity the claim
// is about, the arms overlaid (a colour per arm, a dash per layer, a dot where a diverged arm
// ends). The static page feeds the same panel the
// figures of arms its worker runs (staticLessons.ts).

import type { LessonFigures, FigureChart } from '../studio/lessonFigures.js';
import type { Lesson } from '../studio/lessons.js';
import { drawSpecs, clearCharts } from './charts.js';
import { DASHES, PALETTE, type ChartSpec } from './chartSpecs.js';
import { api, element } from './dom.js';
import './lessonView.css';

/**
 * A lesson's figures, and each arm's name and status; `stopped`: the lesson was stopped before
 * its arms all ran, and its sentences say what ran instead of comparing the arms.
 */
export type Figures = LessonFigures & {
  arms: { status: string; name: string }[];
  stopped?: boolean;
};

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
 * The panel of the lesson being shown; a new lesson replaces it (and stops its polling).
 * `controls`, if any, go below the arms' list (the static page's "Stop the lesson").
 */
export class LessonPanel {
  private stopped = false;
  private drawn = '';
  private readonly arms = element('ul', { class: 'lesson-arms' });
  private readonly figures = element('div', { class: 'lesson-figures', 'aria-live': 'polite' });
  private readonly notes = element('div', { class: 'lesson-notes' });
  private readonly chart = element('div', { class: 'lesson-chart' });

  constructor(
    private readonly view: HTMLElement,
    private readonly lesson: Lesson,
    controls: HTMLElement[] = [],
  ) {
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
      ...controls,
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

  stop(): void {
    this.stopped = true;
  }

  private showArms(arms: Figures['arms']): void {
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
    while (!this.stopped) {
      const { status, json } = await api<Figures | { error?: string }>(
        `/api/lessons/${this.lesson.name}/figures?${query}`,
      ).catch(() => ({ status: 0, json: {} as { error?: string } }));
      if (this.stopped) return;
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
    const heading = figures.stopped
      ? 'The lesson was stopped'
      : figures.done
        ? 'What the runs showed'
        : 'What the runs show so far';
    this.figures.replaceChildren(
      element('h3', {}, heading),
      ...figures.sentences.map((sentence) => element('p', {}, sentence)),
    );
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
    panel?.stop();
    panel = new LessonPanel(view, lesson);
    started(json.ids);
    view.scrollIntoView?.({ block: 'nearest' });
    void panel.poll(json.ids);
    return null;
  });
}
