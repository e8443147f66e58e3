// The studio page following what the reader does and what a run writes, in real Chromium with a
// real studio process and two short runs trained beforehand.

import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { drawVerticalStroke, haveChromium, pageWithErrors } from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const root = temporaryFolder('mnist-softmax-following-');
const runs = join(root, 'runs');

/** The two short runs the studio finds when it starts. */
function trainTwoRuns() {
  for (const name of ['first', 'second']) {
    const trained = runCli([
      'train',
      '--epochs',
      '1',
      '--train-limit',
      '5000',
      '--no-progress',
      '--out',
      join(runs, name),
    ]);
    if (trained.status !== 0) throw new Error(trained.stderr);
  }
}

const studio = useStudio(runs, { prepare: trainTwoRuns });

async function openStudio(): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await pageWithErrors(studio.browser);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(studio.url);
  await page.locator('[data-testid=run-item]').first().waitFor();
  return { page, errors };
}

describe.skipIf(!haveChromium)('the studio follows the reader and the run', () => {
  // the list is drawn again at each tick and each update: the focus stays on the ticked box
  it('Space on a run’s checkbox ticks it and keeps the focus there, for the next run', async () => {
    const { page, errors } = await openStudio();
    /** The focused element: its type (a tag when it has none) and its label, as "checkbox first". */
    const focused = () =>
      page.evaluate(
        `(({ type, tagName, labels }) => type + ' ' + (labels?.[0]?.textContent.trim() ?? tagName))(document.activeElement)`,
      );
    const first = page.getByRole('checkbox', { name: 'first' });
    await first.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => first.isChecked()).toBe(true);
    await page.waitForTimeout(1000); // the list drawn again meanwhile (the tick, the stream)
    expect(await focused()).toBe('checkbox first');
    // Tab to the next run's checkbox, Space: both ticked, overlaid
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Space');
    await expect.poll(() => page.locator('#selection-title').textContent()).toBe('2 runs overlaid');
    await page.waitForTimeout(1000);
    expect(await focused()).toBe('checkbox second');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  // the other charts show the step hovered, not a height, which would read as a level on their
  // own scale
  it('hovering a chart shows its step on the others, not a height', async () => {
    const { page, errors } = await openStudio();
    await page.getByRole('checkbox', { name: 'first' }).check();
    const charts = page.locator('#charts .chart');
    await expect.poll(() => charts.count()).toBeGreaterThan(1);
    const hovered = charts.first();
    const plot = hovered.locator('.u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    // at several heights: each is some value, which other charts' scales may hold
    for (const share of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      await page.mouse.move(box.x + box.width / 2, box.y + share * box.height);
      await expect.poll(() => hovered.locator('.u-cursor-y').isVisible()).toBe(true);
      expect(await hovered.locator('.u-cursor-x').isVisible()).toBe(true);
      for (let i = 1; i < (await charts.count()); i++) {
        const other = charts.nth(i);
        await expect.poll(() => other.locator('.u-cursor-x').isVisible()).toBe(true);
        expect(await other.locator('.u-cursor-y').isVisible()).toBe(false);
      }
    }
    await page.screenshot({ path: join(root, 'hover-1400.png') });
    console.log(`hover screenshot in ${root}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  // a digit drawn on the canvas is what the step view opens on
  it('the step view opens on the drawing when a digit is drawn, else on test image 0', async () => {
    const { page, errors } = await openStudio();
    await page.getByRole('checkbox', { name: 'first' }).check();
    const open = page.getByRole('button', { name: 'Lay open one training step' });
    const view = page.locator('#step-view');
    const status = view.getByRole('status');
    await open.click();
    await expect.poll(() => status.textContent()).toMatch(/^test image 0, target class 7;/);

    await drawVerticalStroke(page.locator('#draw-canvas'));
    await open.click();
    await expect
      .poll(() => status.textContent())
      .toMatch(/^your drawing, target class \d \(the model’s prediction\);/);
    // the test images are still a click away
    await view.getByRole('button', { name: 'Show test image' }).click();
    await expect.poll(() => status.textContent()).toMatch(/^test image 0, target class 7;/);
    await view.getByRole('button', { name: 'Use my drawing' }).click();
    await expect.poll(() => status.textContent()).toMatch(/^your drawing, target class \d /);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  // the "Weights over training" slider follows the pictures as they are written, to the last
  it('the weights slider reaches the last picture of a run from the form as it ends', async () => {
    const { page, errors } = await openStudio();
    const form = page.getByRole('form', { name: 'Start a run' });
    await form.getByRole('textbox', { name: 'epochs' }).fill('2');
    await form.getByRole('button', { name: 'Start' }).click();
    const slider = page.getByRole('slider', { name: 'training step' });
    await slider.waitFor({ timeout: 60_000 }); // it trains, its first pictures listed
    const item = page.locator('[data-testid=run-item]').first();
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 60_000 }).toBe('finished');
    const path = `${studio.url}api/runs/${encodeURIComponent((await item.getAttribute('data-id'))!)}`;
    const { steps } = (await (await fetch(path)).json()) as { steps: number };
    const listed = (await (await fetch(`${path}/snapshots`)).json()) as { steps: number[] };
    expect(listed.steps.at(-1)).toBe(steps); // its last step has its picture
    await expect
      .poll(() => page.getByTestId('snapshot-step').textContent(), { timeout: 5000 })
      .toBe(String(steps));
    expect(await slider.getAttribute('max')).toBe(String(listed.steps.length - 1));
    expect(await slider.getAttribute('aria-valuetext')).toBe(`step ${steps}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
