// Pause, Step, Resume and a learning rate set from the studio's page, in Chromium, on a run
// started from its form: a paused run's step stops advancing, Step advances it by exactly one,
// a rate set is logged to events.jsonl, Resume goes on; all by keyboard-reachable controls. The
// weight pictures taken meanwhile are scrubbed with a slider.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { haveChromium } from '../browser.js';
import { grouped } from '../../src/numbers.js';
import { temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const runs = join(temporaryFolder(), 'runs');
const studio = useStudio(runs);

/** The step the control status shows, and whether it says paused. */
async function shown(page: Page): Promise<{ paused: boolean; step: number } | null> {
  const text = (await page.getByTestId('control-status').textContent()) ?? '';
  const match = /^(Paused|Training) after step (\d+)/.exec(text);
  return match ? { paused: match[1] === 'Paused', step: Number(match[2]) } : null;
}

const controlLines = (folder: string) =>
  readFileSync(join(folder, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === 'control');

describe.skipIf(!haveChromium)('Pause, Step, Resume and the learning rate in the studio', () => {
  it('pauses a run from the form, steps it once, sets its rate (logged) and resumes it', async () => {
    const context = await studio.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(studio.url);
    const form = page.getByRole('form', { name: 'Start a run' });
    await form.getByRole('textbox', { name: 'epochs' }).fill('200');
    await form.getByRole('button', { name: 'Start' }).click();
    const controls = page.getByRole('group', { name: 'Training controls' });
    // past two weight pictures (every 25 steps), then paused
    await expect
      .poll(async () => (await shown(page))?.step ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(60);
    const id = await page.locator('[data-testid=run-item]').first().getAttribute('data-id');
    const folder = join(runs, id!);

    // by keyboard: Pause is a button reached with Tab and pressed with Enter
    await controls.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => shown(page), { timeout: 10_000 }).toMatchObject({ paused: true });
    const at = (await shown(page))!.step;
    await page.waitForTimeout(1000);
    expect(await shown(page)).toEqual({ paused: true, step: at }); // the step stops advancing

    await controls.getByRole('button', { name: 'Step' }).click();
    await expect.poll(() => shown(page)).toEqual({ paused: true, step: at + 1 });
    await page.waitForTimeout(600);
    expect(await shown(page)).toEqual({ paused: true, step: at + 1 }); // exactly one

    // the list and the summary say paused, and the steps taken (in the log or not yet)
    const item = page.locator(`[data-testid=run-item][data-id="${id}"]`);
    await expect.poll(() => item.getAttribute('data-status')).toBe('paused');
    expect(await item.locator('.status').textContent()).toBe('paused');
    await expect
      .poll(() => page.locator('#selection-summary').textContent())
      .toMatch(new RegExp(`^paused\\. .*; (1 epoch|\\d+ epochs), ${grouped(at + 1)} steps, `));

    await controls.getByRole('spinbutton', { name: 'learning rate' }).fill('0.0125');
    await controls.getByRole('spinbutton', { name: 'learning rate' }).press('Enter');
    await expect
      .poll(() => page.getByTestId('control-status').textContent())
      .toMatch(/rate 0\.0125/);
    expect(controlLines(folder)).toEqual([
      { type: 'control', step: at, action: 'pause' },
      { type: 'control', step: at, action: 'step' },
      { type: 'control', step: at + 1, action: 'lr', lr: 0.0125 },
    ]);

    // while paused, the weights over training: a slider over at most 48 pictures, by keyboard
    const slider = page.getByRole('slider', { name: 'training step' });
    await slider.waitFor({ timeout: 20_000 });
    const files = readdirSync(join(folder, 'snapshots')).sort();
    const [first, second] = files.map((name) => Number(/\d+/.exec(name)![0]));
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(48);
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('snapshot-step').textContent()).toBe(String(first));
    const image = page.getByTestId('snapshot-image');
    expect(await image.getAttribute('alt')).toBe(`the weights after step ${first}`);
    await expect
      .poll(() => image.evaluate((img) => (img as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('snapshot-step').textContent()).toBe(String(second));

    await controls.getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(async () => (await shown(page))?.step ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(at + 50);
    expect(controlLines(folder).at(-1)).toEqual({
      type: 'control',
      step: at + 1,
      action: 'resume',
    });

    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .locator(`[data-testid=run-item][data-id="${id}"][data-status=interrupted]`)
      .waitFor({ timeout: 60_000 });
    await expect.poll(() => controls.isVisible()).toBe(false);
    await context.close();
  }, 180_000);
});
