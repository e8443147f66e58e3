// Step laid open on the static page: `studio --static`'s folder behind a plain static server, in
// real Chromium. A softmax-regression SGD run trained in the page is paused and stepped by the
// buttons' visible names; the record the worker posts holds the update its trainer applied,
// exactly, and a gradient equal to one computed here in float64 from the weights before and the
// batch's images, read from the folder's train-images.bin at the recorded indices
// (test/steppedBatch.ts, as for the studio's step.json); the page shows the batch's loss
// before → after, its digits, and dW and ΔW as ten class images; the run ends with the weights
// of the same run never paused. No request leaves the server.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Split } from '../../src/data/dataset.js';
import { STATIC_FILES, type StaticDataInfo } from '../../src/static/protocol.js';
import type { SteppedBatch } from '../../src/train/records.js';
import { formulasTooWide, haveChromium, pageWithErrors, sidewaysScroll } from '../browser.js';
import { temporaryFolder } from '../helpers.js';
import { stepFigures } from '../steppedBatch.js';
import { closeStaticSite, keepWorkerMessages, openStaticSite, originOf } from './staticServer.js';

const root = temporaryFolder('mnist-softmax-static-batch-');
const site = join(root, 'site');

let browser: Browser;
let server: Server;
const served: string[] = [];

beforeAll(async () => ({ server, browser } = await openStaticSite(site, served)), 60_000);
afterAll(() => closeStaticSite({ server, browser }));

/** Keeps the steps the worker lays open where the test reads them: window.insides. */
const KEEP_INSIDES = keepWorkerMessages('insides', ['inside']);

const insides = (page: Page) =>
  page.evaluate('insides.map((message) => message.record)') as Promise<SteppedBatch[]>;

/** The training set the folder ships, as the worker loads it. */
function shippedTrain(): Split {
  const info = JSON.parse(readFileSync(join(site, STATIC_FILES.info), 'utf8')) as StaticDataInfo;
  const images = new Uint8Array(readFileSync(join(site, STATIC_FILES.trainImages)));
  const labels = new Uint8Array(readFileSync(join(site, STATIC_FILES.trainLabels)));
  return { images, labels, count: labels.length, height: info.height, width: info.width };
}

/** The layers of the model.json the page offers (the last run's). */
async function downloadedLayers(page: Page): Promise<unknown> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download model.json' }).click(),
  ]);
  return JSON.parse(readFileSync((await download.path())!, 'utf8')).layers;
}

/** The step the status line says the run is paused at. */
async function pausedAt(page: Page): Promise<number | null> {
  const match = /^paused at step (\d+)$/.exec((await page.locator('#status').textContent()) ?? '');
  return match ? Number(match[1]) : null;
}

describe.skipIf(!haveChromium)('the static page: Step, laid open', () => {
  it('shows the batch a Step took, with the update and gradient its trainer computed', async () => {
    const { page, errors } = await pageWithErrors(browser);
    await page.setViewportSize({ width: 1400, height: 1000 });
    const origin = originOf(server);
    const outside: string[] = [];
    // the server's own files, the page's blobs (model.json's download) and data: URLs
    const inside = [`${origin}/`, `blob:${origin}/`, 'data:'];
    page.context().on('request', (r) => {
      if (!inside.some((start) => r.url().startsWith(start))) outside.push(r.url());
    });
    await page.addInitScript({ content: KEEP_INSIDES });
    await page.goto(`${origin}/`);
    const status = page.locator('#status');
    await expect.poll(() => status.getAttribute('data-state')).toBe('idle');

    // softmax regression, SGD at 0.5, batches of 10 for 100 epochs: 200 000 steps, far from its
    // end when Pause is clicked (5 epochs, 1.7 s in Chromium, could end first on a busy machine)
    await page.getByLabel('Optimizer').selectOption('sgd');
    await page.getByLabel('Learning rate').fill('0.5');
    await page.getByLabel('Epochs').fill('100');
    await page.getByLabel('Batch size').fill('10');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('running');
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => pausedAt(page), { timeout: 10_000 }).not.toBeNull();
    const at = (await pausedAt(page))!;
    expect(await insides(page)).toEqual([]); // steps not taken by Step are not laid open

    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => pausedAt(page)).toBe(at + 1);
    const [record] = await insides(page);
    expect(record).toMatchObject({
      step: at + 1,
      size: 10,
      learningRate: 0.5,
      loss: 'cross-entropy',
    });
    expect(record.optimizer.name).toBe('sgd');
    expect(record.indices).toHaveLength(10);
    const train = shippedTrain();
    const side = train.height * train.width;
    const pixels = Buffer.from(record.pixels, 'base64');
    record.indices.forEach((index, n) => {
      const shipped = train.images.subarray(index * side, (index + 1) * side);
      expect(pixels.subarray(n * side, (n + 1) * side).equals(shipped)).toBe(true);
    });
    const figures = stepFigures(record, train);
    console.log(
      `static Step ${record.step}: gradient against float64 ${figures.gradientError}, ` +
        `update against −lr·gradient ${figures.sgdError} float32 roundings`,
    );
    expect(figures.labelsMatch).toBe(true);
    expect(figures.updateMismatches).toBe(0); // after − before is the update, exactly
    expect(figures.gradientError).toBeLessThan(1e-5); // the float64 gradient
    expect(figures.sgdError).toBeLessThanOrEqual(1); // −lr · gradient, to float32 rounding

    // the page: the loss before → after, the batch's ten digits, dW and ΔW as ten images each
    const view = page.locator('#batch-view');
    await expect
      .poll(() => view.getByRole('heading', { level: 3 }).textContent())
      .toMatch(new RegExp(`^Step ${at + 1} laid open: the run started `));
    const loss = view.getByTestId('batch-loss');
    const [, before, after] = /: (\S+) → (\S+)$/.exec((await loss.textContent())!)!;
    expect(Number(before)).toBeCloseTo(record.lossBefore, 3);
    expect(Number(after)).toBeCloseTo(record.lossAfter, 3);
    const batch = view.getByRole('toolbar', { name: 'The batch’s images' });
    const digits = batch.getByRole('button');
    expect(await digits.count()).toBe(10);
    for (const what of ['dW', 'update']) {
      for (let k = 0; k < 10; k++) {
        expect(await view.getByRole('img', { name: `${what} of class ${k}` }).count()).toBe(1);
      }
    }
    // a digit of the batch, picked by keyboard (one Tab stop: the picked image; the arrow keys
    // move between them, Enter picks), shows its own p after the step
    const third = view.getByRole('button', {
      name: `training image ${record.indices[2]}, a ${record.labels[2]}`,
    });
    await digits.first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await third.evaluate((node) => node === node.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => third.getAttribute('aria-pressed')).toBe('true');
    expect(await digits.evaluateAll((all) => all.map((b) => b.getAttribute('tabindex')))).toEqual(
      Array.from({ length: 10 }, (_, n) => (n === 2 ? '0' : '-1')),
    );
    // Tab leaves the batch at once
    await page.keyboard.press('Tab');
    expect(await batch.evaluate((node) => node.contains(node.ownerDocument.activeElement))).toBe(
      false,
    );
    const p = record.probabilitiesAfter[2 * 10 + record.labels[2]];
    expect(await view.getByTestId('batch-sample').textContent()).toContain(p.toPrecision(4));
    await page.screenshot({ path: join(root, 'static-batch-1400.png'), fullPage: true });

    // a second Step replaces it
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect
      .poll(() => view.getByRole('heading', { level: 3 }).textContent())
      .toMatch(new RegExp(`^Step ${at + 2} laid open`));
    expect((await insides(page)).map((inside) => inside.step)).toEqual([at + 1, at + 2]);

    // at 390 px the view fits and the page does not scroll sideways; dark mode
    await page.setViewportSize({ width: 390, height: 900 });
    await page.waitForTimeout(200);
    expect(await view.evaluate((node) => node.getBoundingClientRect().right)).toBeLessThanOrEqual(
      390,
    );
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    expect(await formulasTooWide(view)).toEqual([]);
    // its tables (p beside y) and the epochs' table show every column without scrolling
    const tablesTooWide = await page
      .locator('#batch-view table, #epochs-table')
      .evaluateAll((tables) =>
        tables
          .filter((table) => table.scrollWidth > table.parentElement!.clientWidth)
          .map((table) => `${table.id || table.className}: ${table.scrollWidth} px`),
      );
    expect(tablesTooWide).toEqual([]);
    await view.screenshot({ path: join(root, 'static-batch-390.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(root, 'static-batch-dark.png'), fullPage: true });

    // Resume trains to the end without laying steps open
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(() => status.getAttribute('data-state'), { timeout: 60_000 })
      .toBe('finished');
    expect(await insides(page)).toHaveLength(2);
    const stepped = await downloadedLayers(page);
    expect(stepped).toMatchObject([{ type: 'dense' }, { type: 'softmax' }]);

    // the same run never paused: a new run closes the view, and ends with the same weights
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => view.isHidden()).toBe(true);
    await expect
      .poll(() => status.getAttribute('data-state'), { timeout: 60_000 })
      .toBe('finished');
    expect(await downloadedLayers(page)).toEqual(stepped);
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    console.log(`static batch view screenshots in ${root}`);
    await page.close();
  }, 180_000);
});
