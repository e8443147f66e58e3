// Step laid open in the studio, in Chromium: a softmax-regression SGD run started from the form,
// paused and stepped by the buttons' visible names; the step's record (GET /api/runs/:id/step,
// its step.json) holds the update the run applied, exactly, and a gradient equal to one computed
// here in float64 from the weights before and the batch's images as the loader gives them; the
// page shows the batch's loss before → after and dW and ΔW as ten class images.

import { rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import type { SteppedBatch } from '../../src/train/records.js';
import { haveChromium } from '../browser.js';
import { MNIST, temporaryFolder } from '../helpers.js';
import { stepFigures } from '../steppedBatch.js';
import { useStudio } from './studioProcess.js';

const TRAIN_IMAGES = 2000;
const runs = join(temporaryFolder(), 'runs');
const studio = useStudio(runs);

function getJson<T>(path: string): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    get(new URL(path, studio.url), (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) as T }),
      );
    }).on('error', reject);
  });
}

/** The step the control status shows, and whether it says paused. */
async function shown(page: Page): Promise<{ paused: boolean; step: number } | null> {
  const text = (await page.getByTestId('control-status').textContent()) ?? '';
  const match = /^(Paused|Training) after step (\d+)/.exec(text);
  return match ? { paused: match[1] === 'Paused', step: Number(match[2]) } : null;
}

describe.skipIf(!haveChromium)('Step, laid open in the studio', () => {
  it('records the update the run applied and its gradient, and shows them', async () => {
    const context = await studio.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(studio.url);
    const form = page.getByRole('form', { name: 'Start a run' });
    await form.getByRole('combobox', { name: 'optimizer' }).selectOption('sgd');
    await form.getByRole('combobox', { name: 'schedule' }).selectOption('constant');
    await form.getByRole('textbox', { name: 'learning rate' }).fill('0.5');
    await form.getByRole('textbox', { name: 'epochs' }).fill('500');
    await form.getByText('More options').click();
    await form.getByRole('textbox', { name: 'training images' }).fill(String(TRAIN_IMAGES));
    await form.getByRole('textbox', { name: 'test images' }).fill('100');
    await form.getByRole('button', { name: 'Start' }).click();
    const controls = page.getByRole('group', { name: 'Training controls' });
    await expect
      .poll(async () => (await shown(page))?.step ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(5);
    const id = await page.locator('[data-testid=run-item]').first().getAttribute('data-id');

    await controls.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => shown(page), { timeout: 10_000 }).toMatchObject({ paused: true });
    const at = (await shown(page))!.step;
    await controls.getByRole('button', { name: 'Step' }).click();
    await expect.poll(() => shown(page)).toEqual({ paused: true, step: at + 1 });

    const path = `/api/runs/${encodeURIComponent(id!)}/step`;
    const { json: record } = await getJson<SteppedBatch>(path);
    expect(record).toMatchObject({
      step: at + 1,
      size: 100,
      learningRate: 0.5,
      loss: 'cross-entropy',
    });
    expect(record.optimizer.name).toBe('sgd');
    const data = await loadDataset(MNIST, { trainLimit: TRAIN_IMAGES, testLimit: 1 });
    const figures = stepFigures(record, data.train);
    expect(figures.labelsMatch).toBe(true);
    expect(figures.updateMismatches).toBe(0); // (a) after − before is the update, exactly
    expect(figures.gradientError).toBeLessThan(1e-5); // (b) the float64 gradient
    expect(figures.sgdError).toBeLessThanOrEqual(1); // (c) −lr · gradient, to float32 rounding

    // (d) the page: the loss before → after, dW and ΔW as ten images each
    const view = page.locator('#batch-view');
    const loss = view.getByTestId('batch-loss');
    await loss.waitFor({ timeout: 10_000 });
    const [, before, after] = /: (\S+) → (\S+)$/.exec((await loss.textContent())!)!;
    expect(Number(before)).toBeCloseTo(record.lossBefore, 3);
    expect(Number(after)).toBeCloseTo(record.lossAfter, 3);
    for (const what of ['dW', 'update']) {
      for (let k = 0; k < 10; k++) {
        await expect(
          view.getByRole('img', { name: `${what} of class ${k}` }).count(),
        ).resolves.toBe(1);
      }
    }
    // a digit of the batch, picked by keyboard, shows its own p
    const third = view.getByRole('button', {
      name: `training image ${record.indices[2]}, a ${record.labels[2]}`,
    });
    await third.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => third.getAttribute('aria-pressed')).toBe('true');
    const sample = view.getByTestId('batch-sample');
    expect(await sample.locator('caption').textContent()).toContain(`${record.indices[2]}`);
    const p = record.probabilitiesAfter[2 * 10 + record.labels[2]];
    expect(await sample.textContent()).toContain(p.toPrecision(4));
    // the 100 digits are one Tab stop: Tab reaches past them at once
    const batch = view.getByRole('toolbar', { name: 'The batch’s images' });
    expect(await batch.getByRole('button').count()).toBe(100);
    await page.keyboard.press('Tab');
    expect(await batch.evaluate((node) => node.contains(node.ownerDocument.activeElement))).toBe(
      false,
    );
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Close the batch view');

    // a second Step replaces it
    await controls.getByRole('button', { name: 'Step' }).click();
    await expect
      .poll(() => view.getByRole('heading', { level: 3 }).textContent(), { timeout: 10_000 })
      .toBe(`Step ${at + 2} laid open: run ${id}`);

    await page.getByRole('button', { name: 'Stop' }).click();
    await context.close();

    // the studio reads step.json checked: a damaged one is answered 409, naming the file
    const folder = join(runs, id!);
    const damaged = { ...record, probabilitiesAfter: [0.5] };
    writeFileSync(join(folder, 'step.json'), JSON.stringify(damaged));
    expect(await getJson(path)).toEqual({
      status: 409,
      json: { error: `${id}/step.json: its "probabilitiesAfter" are not (kept, classes)` },
    });
    rmSync(join(folder, 'step.json'));
    expect(await getJson(path)).toEqual({ status: 200, json: null });
  }, 180_000);
});
