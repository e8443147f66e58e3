// Stopping a lesson in the studio, in real Chromium, with a real studio process that trains one
// run at a time (`--max-runs 1`: a lesson's second arm waits in the queue while its first
// trains). An arm of a lesson trains its 600 steps in about a second here, so each test pauses the
// first arm through the API (as its Pause would) to stop the lesson at a known point, while that
// arm is mid-training and the next one queued.
//
// "Stop the lesson", pressed by keyboard, interrupts the arm training and takes the queued one
// out of the queue; the panel lists them as interrupted and not started, says how far each went,
// keeps the chart, compares nothing, and takes the focus to its heading; no request fails; the
// lesson starts again. A queued arm stopped by its own Stop (in the run list) reads "not started"
// (its figures still answer), and the lesson whose other arm then finishes compares nothing.

import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/studio/api.js';
import { haveChromium, pageWithErrors, sidewaysScroll } from '../browser.js';
import { temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const root = temporaryFolder('mnist-softmax-lesson-stop-');
const studio = useStudio(join(root, 'runs'), { extra: ['--max-runs', '1'] });

const runs = async () => (await (await fetch(`${studio.url}api/runs`)).json()) as RunSummary[];
/** The run of a lesson's arm (its folder name ends in its label), if listed. */
const armRun = async (label: string) => (await runs()).find((run) => run.id.endsWith(label));

/**
 * Pauses the arm `label` once its controls say it has taken `steps` steps (12: its first step
 * line, 50 an epoch of 600; a softmax regression's arm needs 0, it trains too fast to wait): the
 * arm stays mid-training, "running", until it is stopped or resumed. Its id.
 */
async function pauseArm(label: string, steps: number): Promise<string> {
  for (const started = Date.now(); Date.now() - started < 60_000;) {
    const run = await armRun(label);
    const path = run && `${studio.url}api/runs/${encodeURIComponent(run.id)}/control`;
    const state = path && ((await (await fetch(path)).json()) as { step: number } | null);
    if (run && path && state && state.step >= steps) {
      const paused = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ action: 'pause' }),
      });
      expect(paused.status).toBe(202);
      await expect.poll(async () => (await armRun(label))?.paused).toBe(true);
      return run.id;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${label} never trained`);
}

/** A page of the studio whose errors, and API answers of 400 or more, are collected. */
async function openStudio(): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await pageWithErrors(studio.browser);
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(studio.url);
  return { page, errors };
}

const focused = (page: Page) => page.evaluate('document.activeElement.textContent');
const armTexts = (panel: Locator) => panel.locator('.lesson-arms li').allTextContents();

describe.skipIf(!haveChromium)('stopping a lesson in the studio', () => {
  it('“Stop the lesson” stops the arm training and the one queued; no comparison', async () => {
    const { page, errors } = await openStudio();
    const title = 'Sigmoid against ReLU in a deep stack';
    await page.getByRole('button', { name: title }).click();
    const panel = page.locator('#lesson-view');
    await pauseArm('sigmoid-vs-relu-sigmoid', 12);
    await expect.poll(() => armTexts(panel)).toEqual(['sigmoid: running', 'ReLU: queued']);
    const stop = panel.getByRole('button', { name: 'Stop the lesson' });
    await panel.screenshot({ path: join(root, 'studio-lesson-running-1400.png') });
    await stop.focus();
    await page.keyboard.press('Enter');

    const heading = panel.getByRole('heading', { name: 'The lesson was stopped' });
    await heading.waitFor({ timeout: 30_000 });
    expect(await armTexts(panel)).toEqual(['sigmoid: interrupted', 'ReLU: not started']);
    expect(await panel.getByRole('heading', { name: /^What the runs show/ }).count()).toBe(0);
    expect(await panel.locator('.lesson-figures').textContent()).toMatch(
      /^The lesson was stopped“sigmoid” was interrupted at step \d+ of 600; “ReLU” did not start\.The claim above is not tested: its figures compare whole arms, and these did not all run\. The chart shows each arm as far as it ran\.$/,
    );
    const chart = panel.getByRole('figure', {
      name: '‖∂L/∂W‖₂ of the first and the output layer, both activations',
    });
    await expect.poll(() => chart.getAttribute('data-lines')).toBe('2'); // the sigmoid arm's
    expect(await stop.isVisible()).toBe(false);
    // the keyboard's focus is on the heading of what came of it, not lost to the page
    expect(await focused(page)).toBe('The lesson was stopped');
    // the queued arm never started: no run of it, in the API or the list
    await page.waitForTimeout(1000);
    expect(await armRun('sigmoid-vs-relu-relu')).toBeUndefined();
    expect(await page.locator('[data-testid=run-item]').count()).toBe(1);

    await page.screenshot({ path: join(root, 'studio-lesson-stopped-1400.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.waitForTimeout(300);
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    await page.screenshot({
      path: join(root, 'studio-lesson-stopped-390-dark.png'),
      fullPage: true,
    });
    await panel.screenshot({ path: join(root, 'studio-lesson-panel-390-dark.png') });
    console.log(`stopped lesson screenshots in ${root}`);

    // the lesson starts again, and is stopped again (its panel and Stop are new)
    await page.getByRole('button', { name: title }).click();
    await expect
      .poll(() => armTexts(panel))
      .toEqual([
        expect.stringMatching(/^sigmoid: (queued|starting|running)$/),
        expect.stringMatching(/^ReLU: (queued|starting|running)$/),
      ]);
    await pauseArm('sigmoid-vs-relu-sigmoid', 12);
    await panel.getByRole('button', { name: 'Stop the lesson' }).click();
    await heading.waitFor({ timeout: 30_000 });
    expect(await armTexts(panel)).toEqual(['sigmoid: interrupted', 'ReLU: not started']);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a queued arm stopped by its own Stop reads “not started”; nothing is compared', async () => {
    const { page, errors } = await openStudio();
    await page.getByRole('button', { name: 'Cross-entropy against squared error' }).click();
    const panel = page.locator('#lesson-view');
    const first = await pauseArm('cross-entropy-vs-squared-error-cross-entropy', 0);
    const queued = (await armRun('cross-entropy-vs-squared-error-squared-error'))!;
    expect(queued.status).toBe('queued');
    // the queued arm alone selected: its Stop
    await page.getByRole('checkbox', { name: first }).uncheck();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect
      .poll(() => armTexts(panel))
      .toEqual(['cross-entropy: running', 'squared error: not started']);
    // the first arm goes on and finishes
    const resumed = await fetch(`${studio.url}api/runs/${encodeURIComponent(first)}/control`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'resume' }),
    });
    expect(resumed.status).toBe(202);
    await panel
      .getByRole('heading', { name: 'The lesson was stopped' })
      .waitFor({ timeout: 60_000 });
    expect(await armTexts(panel)).toEqual([
      'cross-entropy: finished',
      'squared error: not started',
    ]);
    expect(await panel.locator('.lesson-figures p').allTextContents()).toEqual([
      '“cross-entropy” finished its 600 steps; “squared error” did not start.',
      'The claim above is not tested: its figures compare whole arms, and these did not all ' +
        'run. The chart shows each arm as far as it ran.',
    ]);
    expect(await panel.getByRole('heading', { name: /^What the runs show/ }).count()).toBe(0);
    expect(await panel.textContent()).not.toMatch(/no such run/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('its API: a foreign Origin refused as for every POST; a run for each arm', async () => {
    const ids = (await runs()).slice(0, 2).map((run) => run.id);
    const stop = (
      body: unknown,
      headers: Record<string, string> = {},
      lesson = 'sigmoid-vs-relu',
    ) =>
      fetch(`${studio.url}api/lessons/${lesson}/stop`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await stop({ runs: ids }, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await stop({ runs: ids.slice(0, 1) })).status).toBe(400);
    expect((await stop({ runs: ids }, {}, 'no-such-lesson')).status).toBe(404);
    // nothing of theirs is queued or running any more
    const answer = await stop({ runs: ids });
    expect([answer.status, await answer.json()]).toEqual([
      409,
      {
        results: ['not running', 'not running'],
        error: 'lesson sigmoid-vs-relu: none of its runs is queued or running (they have ended)',
      },
    ]);
  });
});
