// `studio --static DIR`: the folder served by a plain static server (staticServer.ts: files
// only, no special headers, so the page is not cross-origin isolated; staticThreads.test.ts
// serves it with them), opened in real Chromium. The page trains softmax regression in the
// browser on the shipped subset to 90% within 10 s, every request staying on that server; its
// model.json is what `eval` reads, at the same accuracy.

import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawVerticalStroke, haveChromium, pageWithErrors } from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';
import { closeStaticSite, openStaticSite, originOf } from './staticServer.js';

const root = temporaryFolder('mnist-softmax-static-');
const site = join(root, 'site');

let browser: Browser;
let server: Server;
const served: string[] = [];

beforeAll(async () => ({ server, browser } = await openStaticSite(site, served)), 60_000);
afterAll(() => closeStaticSite({ server, browser }));

describe('studio --static', () => {
  it('writes the page, the bundles, the kernels, the fonts and the documented subset', () => {
    const info = JSON.parse(readFileSync(join(site, 'static-data.json'), 'utf8'));
    expect(info).toMatchObject({ name: 'mnist', trainCount: 20000, testCount: 10000 });
    expect(readFileSync(join(site, 'train-images.bin')).length).toBe(20000 * 784);
    expect(readFileSync(join(site, 'test-labels.bin')).length).toBe(10000);
    expect(readdirSync(site).sort()).toEqual(
      [
        '_headers',
        'fonts',
        'index.html',
        'kernels.wasm',
        'static-data.json',
        'static-page.css',
        'static-page.js',
        'static-thread.js',
        'static-worker.js',
        'test-images.bin',
        'test-labels.bin',
        'train-images.bin',
        'train-labels.bin',
      ].sort(),
    );
    expect(readdirSync(join(site, 'fonts'))).toContain('KaTeX_Main-Regular.woff2');
  });

  it('refuses a folder that holds something unless --force, and never leaves half a folder', () => {
    const other = join(root, 'taken');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const refused = runCli(['studio', '--static', other, '--static-train', '100']);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toMatch(/--static .*taken: the folder is not empty/);
    expect(readdirSync(other)).toEqual(['notes.txt']);
    expect(readdirSync(root).filter((name) => name.includes('partial'))).toEqual([]);
    const forced = runCli(['studio', '--static', other, '--static-train', '100', '--force']);
    expect(forced.status).toBe(0);
    expect(readdirSync(other)).not.toContain('notes.txt');
    expect(readFileSync(join(other, 'train-labels.bin')).length).toBe(100);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
    const full = runCli(['studio', '--static', join(root, 'full'), '--static-full']);
    expect(full.status).toBe(0);
    expect(readFileSync(join(root, 'full', 'train-labels.bin')).length).toBe(60000);
    const nowhere = runCli(['studio', '--static', join(root, 'missing', 'site')]);
    expect(nowhere.status).toBe(3);
    expect(nowhere.stderr).toMatch(/missing is not a folder\n$/);
    const lone = runCli(['studio', '--static-full']);
    expect(lone.status).toBe(2);
  });

  it.skipIf(!haveChromium)(
    'trains to 90% in the browser within 10 s, fetching only from its server; eval agrees',
    async () => {
      const { page, errors } = await pageWithErrors(browser);
      const requested: string[] = [];
      page.context().on('request', (request) => requested.push(request.url()));
      const origin = originOf(server);
      await page.goto(`${origin}/`);
      expect(await page.evaluate('crossOriginIsolated')).toBe(false);
      const status = page.locator('#status');
      await expect.poll(() => status.getAttribute('data-state')).toBe('idle');
      // the table of epochs appears with the first epoch, not as headers over nothing
      const epochs = page.getByRole('table');
      expect(await epochs.isVisible()).toBe(false);

      await page.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(() => status.getAttribute('data-state'), { timeout: 60_000 })
        .toBe('finished');
      const reached = Number(await status.getAttribute('data-reached90'));
      console.log(`static studio: 90% test accuracy ${reached} s after Start`);
      expect(reached).toBeGreaterThan(0);
      expect(reached).toBeLessThanOrEqual(10);
      const accuracy = Number(await status.getAttribute('data-test-accuracy'));
      expect(accuracy).toBeGreaterThanOrEqual(0.9);
      expect(await page.locator('#charts canvas').count()).toBeGreaterThan(0);
      expect(await epochs.getByRole('row').count()).toBe(6);

      // a drawing is classified by the trained network (a vertical stroke: a one), on a canvas
      // named for what it is; what the network sees is black, as the drawing area, before it
      const canvas = page.getByRole('img', { name: /^Drawing area: draw a digit/ });
      const sees = page.getByRole('img', { name: 'The drawing as the network sees it' });
      const background = await sees.evaluate((node) => {
        // (the test's types know no DOM)
        const style = (
          globalThis as unknown as { getComputedStyle(n: unknown): object }
        ).getComputedStyle(node) as { backgroundColor: string };
        return style.backgroundColor;
      });
      expect(background).toBe('rgb(0, 0, 0)');
      await drawVerticalStroke(canvas);
      await expect.poll(() => page.locator('#prediction').textContent()).toMatch(/^[0-9]$/);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download model.json' }).click(),
      ]);
      const model = join(root, 'model.json');
      await download.saveAs(model);
      const evaluated = runCli(['eval', '--model', model, '--json']);
      expect(evaluated.stderr).toBe('');
      expect(evaluated.status).toBe(0);
      expect(JSON.parse(evaluated.stdout).accuracy).toBeCloseTo(accuracy, 4);
      const predicted = runCli(['predict', '--model', model, '--index', '0']);
      expect(predicted.status).toBe(0);
      expect(predicted.stdout).toMatch(/^test image 0: \d \(true label 7\)/);

      // every request went to the static server, the worker's fetches included
      expect(requested.length).toBeGreaterThan(0);
      for (const url of requested) expect(url.startsWith(`${origin}/`), url).toBe(true);
      expect(requested).toContain(`${origin}/train-images.bin`);
      expect(served).toContain('/train-images.bin');
      expect(errors).toEqual([]);
      await page.close();
    },
    90_000,
  );

  it.skipIf(!haveChromium)(
    'pauses, steps one batch, changes the learning rate, resumes and stops a run in the browser',
    async () => {
      const { page, errors } = await pageWithErrors(browser);
      await page.goto(`${originOf(server)}/`);
      const status = page.locator('#status');
      await expect.poll(() => status.getAttribute('data-state')).toBe('idle');
      // long enough not to end before Stop, and the pause in the first epoch (10 000 steps)
      await page.getByLabel('Hidden layers').fill('64');
      await page.getByLabel('Epochs').fill('50');
      await page.getByLabel('Batch size').fill('2');
      await page.getByRole('button', { name: 'Start' }).click();
      // loading the data takes seconds on a loaded machine (poll's default: 1 s)
      await expect
        .poll(() => status.getAttribute('data-state'), { timeout: 30_000 })
        .toBe('running');
      const running = Date.now();
      await page.getByRole('button', { name: 'Pause' }).click();
      await expect
        .poll(() => status.textContent(), { timeout: 10_000 })
        .toMatch(/^paused at step \d+$/);
      const at = Number((await status.textContent())!.split(' ').pop());
      await page.getByRole('button', { name: 'Step', exact: true }).click();
      await expect.poll(() => status.textContent()).toBe(`paused at step ${at + 1}`);
      await page.getByLabel('Learning rate').fill('0.125');
      await page.getByRole('button', { name: 'Apply learning rate' }).click();
      expect(await status.textContent()).toBe('learning rate 0.125 from the next step on');
      await page.waitForTimeout(1500); // paused: not the epoch's training time
      await page.getByRole('button', { name: 'Resume' }).click();
      // the epoch the rate changed in shows both rates, its first step's and its last's; its
      // time is at most from "running" to its row, less the 1.5 s or more it was paused
      const rates = page.locator('#epochs-table tbody tr td:nth-child(5)');
      await expect.poll(() => rates.count(), { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
      const firstRow = Date.now();
      expect(await rates.first().textContent()).toMatch(/^[\d.e-]+ → 0\.125$/);
      const seconds = Number(
        await page.locator('#epochs-table tbody tr:first-child td:nth-child(6)').textContent(),
      );
      expect(seconds).toBeLessThan((firstRow - running - 1500) / 1000);
      await expect.poll(() => page.getByRole('button', { name: 'Pause' }).isEnabled()).toBe(true);
      await page.getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => status.getAttribute('data-state')).toBe('stopped');
      expect(await page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    },
    60_000,
  );
});
