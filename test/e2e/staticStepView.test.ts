// The static page's step view and lessons: `studio --static`'s folder behind a plain static
// server, in real Chromium. A run trained in the page is laid open on a test image: its label's
// bar, the formulas typeset with their numbers (KaTeX's fonts from the folder), Step raising p
// of the label, and every number equal to what `explain --model` prints for the downloaded
// model.json. A lesson runs its arms in the page's worker and draws its chart and figures. No
// request leaves the server, and the page logs no error.

import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  drawVerticalStroke,
  formulasTooWide,
  haveChromium,
  pageWithErrors,
  sidewaysScroll,
} from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';
import { closeStaticSite, keepWorkerMessages, openStaticSite, originOf } from './staticServer.js';

const root = temporaryFolder('mnist-softmax-static-step-');
const site = join(root, 'site');

let browser: Browser;
let server: Server;
const served: string[] = [];

beforeAll(async () => ({ server, browser } = await openStaticSite(site, served)), 60_000);
afterAll(() => closeStaticSite({ server, browser }));

/** Keeps the worker's answers to the step view where the test reads them: window.stepAnswers. */
const KEEP_ANSWERS = keepWorkerMessages('stepAnswers', ['explanation', 'stepped']);

/** The page, with the worker's answers to the step view kept (KEEP_ANSWERS). */
async function openPage(): Promise<{ page: Page; errors: string[]; outside: string[] }> {
  const { page, errors } = await pageWithErrors(browser);
  const origin = originOf(server);
  const outside: string[] = [];
  // the server's own files, the page's blobs (model.json's download) and data: URLs
  const inside = [`${origin}/`, `blob:${origin}/`, 'data:'];
  page.context().on('request', (r) => {
    if (!inside.some((start) => r.url().startsWith(start))) outside.push(r.url());
  });
  await page.addInitScript({ content: KEEP_ANSWERS });
  await page.goto(`${origin}/`);
  await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('idle');
  return { page, errors, outside };
}

interface Answer {
  type: 'explanation' | 'stepped';
  answer: Record<string, unknown> & {
    steps: Record<string, { parameters: { name: string; gradient: number[] }[] }>;
    weightsBefore: number[];
    weightsAfter: number[];
  };
}

const answers = (page: Page) => page.evaluate('stepAnswers') as Promise<Answer[]>;

/**
 * The largest difference between two tensors as a share of the larger's largest value: float32
 * rounding is below 2⁻²³ of it per operation.
 */
function relativeDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(...a.map(Math.abs), ...b.map(Math.abs));
  let largest = 0;
  a.forEach((v, i) => (largest = Math.max(largest, Math.abs(v - b[i]))));
  return scale > 0 ? largest / scale : largest;
}

describe.skipIf(!haveChromium)('the static page: step view and lessons', () => {
  it('lays open test image 3 of a run trained in the page; explain --model agrees', async () => {
    const { page, errors, outside } = await openPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    const fonts: string[] = [];
    page.on('response', (r) => {
      if (/\/fonts\/KaTeX_/.test(r.url()) && r.status() === 200) fonts.push(r.url());
    });
    await page.getByLabel('Epochs').fill('1');
    await page.getByRole('button', { name: 'Start' }).click();
    const status = page.locator('#status');
    await expect
      .poll(() => status.getAttribute('data-state'), { timeout: 60_000 })
      .toBe('finished');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download model.json' }).click(),
    ]);
    const model = join(root, 'model.json');
    await download.saveAs(model);

    await page.getByRole('button', { name: 'Lay open one training step' }).click();
    const view = page.locator('#step-view');
    await view.getByRole('heading', { name: /^One training step, laid open: the run/ }).waitFor();
    await view.getByRole('spinbutton', { name: 'Test image' }).fill('3');
    await view.getByRole('button', { name: 'Show test image' }).click();
    const viewStatus = view.getByRole('status');
    await expect.poll(() => viewStatus.textContent()).toMatch(/^test image 3, target class 0;/);
    // the label's row: its p bar in the target's colour, most of the way across
    const outputs = view.getByRole('table', { name: /logits z and probabilities p/ });
    const bar = outputs.getByRole('row', { name: /^0 / }).locator('.step-bar-target');
    expect(await bar.evaluate((node) => node.getBoundingClientRect().width)).toBeGreaterThan(10);
    // the formulas, typeset, with this sample's numbers, in fonts from the folder
    const formulas = view.getByTestId('step-formulas');
    await expect.poll(() => formulas.locator('.katex').count()).toBeGreaterThanOrEqual(6);
    const source = await formulas.locator('annotation').first().textContent();
    expect(source).toMatch(/p_\{0\} &= \\frac.*= 0\.\d{3,}\\end\{aligned\}$/);
    const pBefore = Number(/= (0\.\d+)\\end\{aligned\}$/.exec(source!)![1]);
    await page.evaluate('document.fonts.ready');
    expect(await page.evaluate("document.fonts.check('16px KaTeX_Main')")).toBe(true);
    expect(fonts.length).toBeGreaterThan(0);

    // the numbers the view drew are explain's for the downloaded model, to float32 rounding
    const explained = runCli([
      'explain',
      '--model',
      model,
      '--index',
      '3',
      '--lr',
      '0.5',
      '--json',
    ]);
    expect(explained.status, explained.stderr).toBe(0);
    const cli = JSON.parse(explained.stdout);
    const shown = (await answers(page)).filter((a) => a.type === 'explanation').at(-1)!.answer;
    const pairs: [string, number[], number[]][] = [
      ['logits', shown.logits as number[], cli.logits],
      ['probabilities', shown.probabilities as number[], cli.probabilities],
      ['p − y', (shown.crossEntropy as { dlogits: number[] }).dlogits, cli.crossEntropy.dlogits],
      [
        'squared error ∂L/∂z',
        (shown.squaredError as { dlogits: number[] }).dlogits,
        cli.squaredError.dlogits,
      ],
      [
        'dW',
        shown.steps['cross-entropy'].parameters.find((p) => p.name === 'weights')!.gradient,
        cli.steps['cross-entropy'].parameters
          .find((p: { name: string }) => p.name === 'weights')
          .gradient.flat(),
      ],
    ];
    for (const [name, page, command] of pairs) {
      const difference = relativeDifference(page, command);
      console.log(`static step view against explain --model, ${name}: ${difference}`);
      expect(difference, name).toBeLessThan(2 ** -20);
    }
    expect(shown.learningRate).toBe(0.5);
    await page.screenshot({ path: join(root, 'static-step-1400.png'), fullPage: true });

    // Step: p of the label rises, and the weights move by explain's update
    await view.getByRole('button', { name: 'Apply this step' }).click();
    const rise = view.getByTestId('step-rise');
    await rise.waitFor();
    const match = /^p of the true class 0: ([\d.e-]+) → ([\d.e-]+);/.exec(
      (await rise.textContent())!,
    );
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeCloseTo(pBefore, 3);
    expect(Number(match![2])).toBeGreaterThan(Number(match![1]));
    await expect
      .poll(() => view.getByRole('img', { name: 'weights of class 0 after' }).count())
      .toBe(1);
    await expect.poll(() => viewStatus.textContent()).toMatch(/the view’s copy has taken 1 step\./);
    const stepped = (await answers(page)).find((a) => a.type === 'stepped')!.answer;
    const moved = stepped.weightsAfter.map((w, i) => Math.fround(w - stepped.weightsBefore[i]));
    const update = cli.steps['cross-entropy'].parameters[0].update.flat();
    const difference = relativeDifference(moved, update);
    console.log(`static Step's weight change against explain's update: ${difference}`);
    expect(difference).toBeLessThan(2 ** -20);
    await page.screenshot({ path: join(root, 'static-step-after-1400.png'), fullPage: true });

    // at 390 px the view fits and the page does not scroll sideways; dark mode
    await page.setViewportSize({ width: 390, height: 900 });
    await page.waitForTimeout(200);
    expect(await view.evaluate((node) => node.getBoundingClientRect().right)).toBeLessThanOrEqual(
      390,
    );
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    expect(await formulasTooWide(view)).toEqual([]);
    await view.screenshot({ path: join(root, 'static-step-390.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(root, 'static-step-dark.png'), fullPage: true });

    // a drawing (a vertical stroke) laid open as the target the reader names
    await drawVerticalStroke(page.locator('#draw-canvas'));
    // by default its class is the model's prediction (the row with the largest p), not 0
    const drawingClass = view.getByRole('combobox', { name: 'Class of my drawing' });
    expect(await drawingClass.inputValue()).toBe('');
    await view.getByRole('button', { name: 'Use my drawing' }).click();
    await expect
      .poll(() => viewStatus.textContent())
      .toMatch(/^your drawing, target class \d \(the model’s prediction\);/);
    const predicted = /target class (\d)/.exec((await viewStatus.textContent())!)![1];
    const p = await outputs
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => Number(row.children[3].textContent)));
    expect(String(p.indexOf(Math.max(...p)))).toBe(predicted);
    // or the class the reader names
    const named = predicted === '1' ? '7' : '1';
    await drawingClass.selectOption(named);
    await view.getByRole('button', { name: 'Use my drawing' }).click();
    await expect
      .poll(() => viewStatus.textContent())
      .toMatch(new RegExp(`^your drawing, target class ${named};`));
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    console.log(`static step view screenshots in ${root}`);
    await page.close();
  }, 120_000);

  it('runs a lesson’s arms in the page and draws its chart and figures', async () => {
    const { page, errors, outside } = await openPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    const started = Date.now();
    await page.getByRole('button', { name: 'Cross-entropy against squared error' }).click();
    const panel = page.locator('#lesson-view');
    await panel
      .getByRole('heading', { name: 'Lesson: Cross-entropy against squared error' })
      .waitFor();
    await panel
      .getByRole('heading', { name: 'What the runs showed' })
      .waitFor({ timeout: 120_000 });
    console.log(`static lesson: both arms in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const figures = (await panel.locator('.lesson-figures').textContent())!;
    expect(figures).toMatch(
      /Squared error’s gradient norm \(output layer, mean over the steps\) is 1\/[\d.]+ of cross-entropy’s; after 600 steps test accuracy squared error \d+\.\d\d%, cross-entropy \d+\.\d\d%\./,
    );
    expect(await panel.locator('.lesson-arms li').allTextContents()).toEqual([
      'cross-entropy: finished',
      'squared error: finished',
    ]);
    expect(await panel.getByTestId('lesson-steps').textContent()).toBe(
      'In this browser the arms train one after another on the 20,000 training images ' +
        'shipped with the page: 600 steps each.',
    );
    expect(await panel.locator('.lesson-chart canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(root, 'static-lesson-1400.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.waitForTimeout(200);
    await panel.screenshot({ path: join(root, 'static-lesson-390.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: join(root, 'static-lesson-dark.png') });
    writeFileSync(join(root, 'lesson-figures.txt'), figures);
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  }, 180_000);
});
