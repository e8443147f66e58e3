// "Stop the lesson" pressed at the edges of a lesson, in real Chromium with a real studio process.
//
// As it ends: the last arm has finished when the press reaches the studio, which answers 409 with
// its one-line error (nothing was left to stop). The panel says no error: it shows the lesson's
// end, as if Stop had not been pressed, and the keyboard's focus goes to that heading. The page's
// figures requests are held until the press, so that Stop is still shown when both arms have
// ended.
//
// As it starts: its arms are stopped before they wrote a log (their processes still starting), so
// they have no curves; the page does not ask for them (no 404 in the console) and says why
// nothing is drawn.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/studio/api.js';
import { haveChromium, pageWithErrors } from '../browser.js';
import { temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const root = temporaryFolder('mnist-softmax-lesson-stop-late-');
const studio = useStudio(join(root, 'runs'));

const lessonRuns = async (lesson = 'cross-entropy-vs-squared-error') =>
  ((await (await fetch(`${studio.url}api/runs`)).json()) as RunSummary[]).filter((run) =>
    run.id.includes(lesson),
  );

describe.skipIf(!haveChromium)('a lesson stopped as it ends', () => {
  it('is no error: the panel shows what the runs showed, the focus on its heading', async () => {
    const { page, errors } = await pageWithErrors(studio.browser);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/lessons/*/figures?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(studio.url);
    await page.getByRole('button', { name: 'Cross-entropy against squared error' }).click();
    const panel = page.locator('#lesson-view');
    const stop = panel.getByRole('button', { name: 'Stop the lesson' });
    await stop.waitFor();
    // both arms train to their end (600 steps each) while the panel still offers Stop
    await expect
      .poll(async () => (await lessonRuns()).map((run) => run.status), { timeout: 60_000 })
      .toEqual(['finished', 'finished']);

    const answer = page.waitForResponse((response) => response.url().endsWith('/stop'));
    await stop.focus();
    await page.keyboard.press('Enter');
    const refused = await answer;
    expect([refused.status(), (await refused.json()).error]).toEqual([
      409,
      'lesson cross-entropy-vs-squared-error: none of its runs is queued or running (they have ended)',
    ]);
    release();
    const heading = panel.getByRole('heading', { name: 'What the runs showed' });
    await heading.waitFor({ timeout: 10_000 });
    expect(await panel.textContent()).not.toMatch(/could not stop/);
    expect(await stop.isVisible()).toBe(false);
    expect(await page.evaluate('document.activeElement.textContent')).toBe('What the runs showed');
    // the browser logs the refused request itself; nothing else went wrong
    expect(errors).toEqual([
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
    ]);
    await page.close();
  }, 120_000);

  it('stopped as it starts: nothing is asked for the arms that wrote no log', async () => {
    const { page, errors } = await pageWithErrors(studio.browser);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(studio.url);
    await page.getByRole('button', { name: 'With and without BatchNorm' }).click();
    const panel = page.locator('#lesson-view');
    await panel.getByRole('button', { name: 'Stop the lesson' }).click();
    await panel.getByRole('heading', { name: 'The lesson was stopped' }).waitFor();
    // stopped as they started: listed (stopped), without a log
    const stopped = await lessonRuns('batchnorm');
    expect(stopped.map((run) => [run.status, run.logged])).toEqual(
      stopped.map(() => ['stopped', false]),
    );
    const summary = page.locator('#selection-summary');
    const expected =
      stopped.length === 2
        ? /^None of them wrote a log \(.*batchnorm-plain: stopped, .*batchnorm-batchnorm: stopped\): nothing to draw\.$/
        : /^stopped before it wrote a log: nothing to draw\.$/;
    await expect.poll(() => summary.textContent()).toMatch(expected);
    // one of them alone: the same, said of it
    if (stopped.length === 2) {
      await page.getByRole('checkbox', { name: stopped[0].id }).uncheck();
      await expect
        .poll(() => summary.textContent())
        .toBe('stopped before it wrote a log: nothing to draw.');
    }
    await page.waitForTimeout(1000);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
