// The charts (report, compare, studio) driven in real Chromium as a person would: by visible
// names and roles, hovering, dragging, pressing buttons, on a wide screen, a phone and in dark
// mode. Real short runs of real MNIST, trained by the CLI.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium, pageWithErrors } from '../browser.js';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';

const root = temporaryFolder('mnist-softmax-charts-');
const SHORT = ['--train-limit', '3000', '--test-limit', '500', '--epochs', '2', '--no-progress'];
const runs = { ce: join(root, 'runs', 'ce'), mse: join(root, 'runs', 'mse') };
const report = pathToFileURL(join(runs.ce, 'report.html')).href;
const comparePage = join(root, 'pages', 'compare.html');

let browser: Browser;
let studio: ChildProcess | undefined;

beforeAll(async () => {
  for (const [args, out] of [
    // a hidden layer (dead-ReLU chart: all 0 with BatchNorm), a validation split (green points)
    [['--hidden', '16', '--batchnorm', '--val-split', '0.1'], runs.ce],
    [['--loss', 'mse', '--optimizer', 'sgd'], runs.mse],
  ] as const) {
    const result = runCli(['train', ...SHORT, ...args, '--out', out]);
    if (result.status !== 0) throw new Error(result.stderr);
  }
  mkdirSync(dirname(comparePage));
  const compared = runCli(['compare', runs.ce, runs.mse, '--out', comparePage]);
  if (compared.status !== 0) throw new Error(compared.stderr);
  if (haveChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  studio?.kill('SIGINT');
  await browser?.close();
});

async function open(url: string, width = 1400, dark = false) {
  const { page, errors } = await pageWithErrors(browser);
  await page.setViewportSize({ width, height: 1000 });
  if (dark) await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('.chart canvas').first().waitFor();
  return { page, errors };
}

/** A chart by its visible title. */
const chart = (page: Page, title: string) => page.getByRole('figure', { name: title });

/** Moves the mouse over a chart's plot, at a share `at` of its width. */
async function hover(figure: Locator, at: number) {
  const plot = figure.locator('.u-over');
  await plot.scrollIntoViewIfNeeded();
  const box = (await plot.boundingBox())!;
  await figure.page().mouse.move(box.x + at * box.width, box.y + box.height / 2);
}

/** What a legend shows: each line's label and its value text. */
function legend(figure: Locator) {
  return figure.locator('.chart-legend li[data-label]').evaluateAll((items) =>
    items.map((item) => ({
      label: item.getAttribute('data-label')!,
      text: item.textContent!,
      value: item.querySelector('.value')!.textContent!,
    })),
  );
}

const ticks = async (figure: Locator, axis: 'x' | 'y') =>
  ((await figure.getAttribute(`data-${axis}-ticks`)) ?? '').split(' | ').filter(Boolean);

describe.skipIf(!haveChromium)('charts people can read', () => {
  it('hovering a chart shows the x value and each series value at the cursor', async () => {
    const { page, errors } = await open(report);
    const loss = chart(page, 'loss');
    const header = loss.locator('.chart-at');
    await expect(header.textContent()).resolves.toMatch(/last values/);
    const before = await legend(loss);
    await hover(loss, 0.3);
    await expect(header.textContent()).resolves.toMatch(/^at step \d+$/);
    const after = await legend(loss);
    expect(after.map((line) => line.label)).toEqual([
      'train',
      'test (after each epoch)',
      'validation (after each epoch)',
    ]);
    for (const line of after) expect(line.value).toMatch(/^\d+(\.\d+)?/);
    // the train value is the one at the cursor (early, higher), not the last one
    expect(after[0].value).not.toBe(before[0].value);
    // the cursor is shared: the accuracy chart reads the same step
    await expect(chart(page, 'accuracy').locator('.chart-at').textContent()).resolves.toBe(
      await header.textContent(),
    );
    // and without a mouse: the plot takes the focus, the arrow keys move the cursor
    await page.mouse.move(0, 0);
    const plot = loss.getByRole('img', { name: /^loss against step/ });
    await plot.focus();
    await page.keyboard.press('End');
    const end = (await header.textContent())!;
    expect(end).toMatch(/^at step \d+$/);
    await page.keyboard.press('ArrowLeft');
    await expect(header.textContent()).resolves.toBe(`at step ${Number(end.slice(8)) - 1}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws legend markers in the series' colours: test red, validation green", async () => {
    const { page } = await open(report);
    const loss = chart(page, 'loss');
    const markers = await loss.locator('.chart-legend li[data-label]').evaluateAll((items) =>
      items.map((item) => {
        const mark = item.querySelector('svg circle, svg line')!;
        const style = mark.ownerDocument.defaultView!.getComputedStyle(mark);
        return mark.tagName === 'circle' ? style.fill : style.stroke;
      }),
    );
    expect(markers).toEqual(['rgb(31, 119, 180)', 'rgb(214, 39, 40)', 'rgb(44, 160, 44)']);
    // and the chart draws points of exactly those colours
    const painted = await loss.locator('canvas').evaluate((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const count = new Map<string, number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 255) continue;
        const key = `rgb(${data[i]}, ${data[i + 1]}, ${data[i + 2]})`;
        count.set(key, (count.get(key) ?? 0) + 1);
      }
      return Object.fromEntries(count);
    });
    for (const colour of markers) expect(painted[colour] ?? 0).toBeGreaterThan(10);
    await page.close();
  });

  it('switches the loss between a linear and a log axis', async () => {
    const { page } = await open(report);
    const loss = chart(page, 'loss');
    const toggle = loss.getByRole('button', { name: 'Log scale' });
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('false');
    const linear = (await ticks(loss, 'y')).map(Number);
    const steps = linear.slice(1).map((v, i) => +(v - linear[i]).toPrecision(6));
    expect(new Set(steps).size).toBe(1); // evenly spaced
    await toggle.click();
    await expect(
      loss.getByRole('button', { name: 'Log scale' }).getAttribute('aria-pressed'),
    ).resolves.toBe('true');
    await expect(loss.getAttribute('data-scale')).resolves.toBe('log');
    const log = (await ticks(loss, 'y')).map(Number);
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log.every((v) => v > 0)).toBe(true);
    expect(log).not.toEqual(linear);
    expect(log.slice(1).every((v, i) => v > log[i])).toBe(true);
    await loss.getByRole('button', { name: 'Log scale' }).click();
    await expect(loss.getAttribute('data-scale')).resolves.toBe('linear');
    await page.close();
  });

  it('labels a gradient-norm curve within one decade with several ticks', async () => {
    const { page } = await open(report);
    const gradients = chart(page, '‖∂L/∂W‖₂ of each dense layer');
    await expect(gradients.getAttribute('data-scale')).resolves.toBe('log');
    expect((await ticks(gradients, 'y')).length).toBeGreaterThanOrEqual(3);
    await page.close();
  });

  it('zooms by dragging, says so, and Reset zoom shows everything again', async () => {
    const { page } = await open(report);
    await expect(page.getByText(/Drag across it to zoom in/).isVisible()).resolves.toBe(true);
    const loss = chart(page, 'loss');
    const reset = loss.getByRole('button', { name: 'Reset zoom' });
    await expect(reset.isDisabled()).resolves.toBe(true);
    const whole = await ticks(loss, 'x');
    await loss.scrollIntoViewIfNeeded();
    const box = (await loss.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + 0.3 * box.width, box.y + 30);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.6 * box.width, box.y + 60, { steps: 6 });
    await page.mouse.up();
    await expect(reset.isEnabled()).resolves.toBe(true);
    const zoomed = await ticks(loss, 'x');
    expect(zoomed).not.toEqual(whole);
    expect(Number(zoomed[0].replace(/,/g, ''))).toBeGreaterThan(Number(whole[0].replace(/,/g, '')));
    await reset.click();
    await expect(reset.isDisabled()).resolves.toBe(true);
    expect(await ticks(loss, 'x')).toEqual(whole);
    await page.close();
  });

  it('keeps share axes within 0–100% with distinct, readable ticks', async () => {
    const { page } = await open(report);
    for (const title of ['accuracy', 'dead ReLUs or saturated sigmoid/tanh outputs']) {
      const labels = await ticks(chart(page, title), 'y');
      expect(labels.length).toBeGreaterThanOrEqual(3);
      expect(new Set(labels).size).toBe(labels.length);
      for (const label of labels) {
        expect(label).toMatch(/^\d+(\.\d+)?%$/);
        expect(parseFloat(label)).toBeGreaterThanOrEqual(0);
        expect(parseFloat(label)).toBeLessThanOrEqual(100);
      }
    }
    await page.close();
  });

  it('smooths the per-step curves (the raw value beside) and draws them against epochs', async () => {
    const { page } = await open(report);
    const loss = chart(page, 'loss');
    await page.getByLabel('Smoothing').fill('0.9');
    await hover(loss, 0.5);
    const [train, test] = await legend(loss);
    expect(train.value).toMatch(/^[\d.]+ \(raw [\d.]+\)$/);
    expect(test.value).not.toMatch(/raw/); // per-epoch points are not smoothed
    // a redraw (here: the keyboard moves the slider) keeps the reading under the mouse
    const reading = await loss.locator('.chart-at').textContent();
    await page.getByLabel('Smoothing').focus();
    await page.keyboard.press('ArrowLeft');
    await expect(
      page.getByRole('group', { name: 'Chart options' }).locator('output').textContent(),
    ).resolves.toBe('0.89');
    await expect(chart(page, 'loss').locator('.chart-at').textContent()).resolves.toBe(reading);
    await page.getByLabel('x axis').selectOption('epoch');
    await hover(chart(page, 'loss'), 0.5);
    await expect(chart(page, 'loss').locator('.chart-at').textContent()).resolves.toMatch(
      /^at epoch [01](\.\d+)?$/,
    );
    await page.getByLabel('x axis').selectOption('time');
    expect((await ticks(chart(page, 'loss'), 'x')).every((t) => / s$|min/.test(t))).toBe(true);
    await page.close();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    for (const url of [report, pathToFileURL(comparePage).href]) {
      const { page } = await open(url, 390);
      const overflow = await page
        .locator('html')
        .evaluate((html) => html.scrollWidth - html.ownerDocument.defaultView!.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const widths = await page
        .locator('.chart canvas')
        .evaluateAll((all) => all.map((canvas) => canvas.getBoundingClientRect().right));
      for (const right of widths) expect(right).toBeLessThanOrEqual(390);
      await page.close();
    }
  });

  it('follows the width of its box when the window narrows', async () => {
    const { page } = await open(report, 1400);
    const right = () =>
      page
        .locator('.chart canvas')
        .evaluateAll((all) => Math.max(...all.map((c) => c.getBoundingClientRect().right)));
    expect(await right()).toBeGreaterThan(1000);
    await page.setViewportSize({ width: 390, height: 900 });
    await expect.poll(right).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('is readable in dark mode: light text on a dark chart', async () => {
    const { page } = await open(report, 1400, true);
    const colours = await chart(page, 'loss').evaluate((figure) => {
      const style = figure.ownerDocument.defaultView!.getComputedStyle(figure);
      return [style.backgroundColor, style.color];
    });
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    expect(luminance(colours[0])).toBeLessThan(0.2);
    expect(luminance(colours[1])).toBeGreaterThan(0.7);
    // the axes' labels are drawn in the light text colour
    const light = await chart(page, 'loss')
      .locator('canvas')
      .evaluate((canvas) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200 && data[i] > 200) count++;
        return count;
      });
    expect(light).toBeGreaterThan(100);
    await page.close();
  });

  it("compare: one gradient chart for every run's layers, and links to each run's metrics", async () => {
    const { page, errors } = await open(pathToFileURL(comparePage).href);
    const gradients = page.getByRole('figure', { name: '‖∂L/∂W‖₂ of each dense layer' });
    await expect(gradients.count()).resolves.toBe(1);
    const lines = await gradients.locator('.chart-legend li[data-label]').evaluateAll((items) =>
      items.map((item) => ({
        label: item.getAttribute('data-label'),
        colour: item.getAttribute('data-colour'),
        dash: item.querySelector('line')?.getAttribute('stroke-dasharray') ?? null,
      })),
    );
    // ce has two dense layers, mse one: a colour per run, a dash per layer
    expect(lines.map((line) => line.label)).toEqual([
      'ce: dense 1 (first)',
      'ce: dense 2 (output)',
      'mse: dense layer',
    ]);
    expect(lines[0].colour).toBe(lines[1].colour);
    expect(lines[2].colour).not.toBe(lines[0].colour);
    expect(lines[0].dash).toBeNull();
    expect(lines[1].dash).not.toBeNull();
    for (const name of ['metrics.csv', 'metrics.json', 'metrics.jsonl']) {
      const hrefs = await page
        .getByRole('link', { name, exact: true })
        .evaluateAll((links) => links.map((link) => (link as unknown as { href: string }).href));
      expect(hrefs).toHaveLength(2);
      expect(hrefs.map((href) => fileURLToPath(href))).toEqual([
        join(runs.ce, name),
        join(runs.mse, name),
      ]);
      for (const href of hrefs) expect(existsSync(fileURLToPath(href))).toBe(true);
    }
    // the report links its own run's files, relative to itself
    const own = await open(report);
    const csv = own.page.getByRole('link', { name: 'metrics.csv' });
    await expect(csv.getAttribute('href')).resolves.toBe('metrics.csv');
    expect(existsSync(resolve(dirname(fileURLToPath(report)), 'metrics.csv'))).toBe(true);
    expect(errors).toEqual([]);
    await Promise.all([page.close(), own.page.close()]);
  });

  it('studio: the overlay draws the same charts, and its links serve the metrics', async () => {
    studio = spawn(
      process.execPath,
      [join(ROOT, 'bin/mnist-softmax.js'), 'studio', '--runs', join(root, 'runs'), '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const port = await new Promise<number>((done, fail) => {
      let text = '';
      studio!.stdout!.on('data', (chunk) => {
        text += chunk;
        const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
        if (match) done(Number(match[1]));
      });
      studio!.on('exit', (code) => fail(new Error(`studio exited with ${code}`)));
    });
    const { page, errors } = await pageWithErrors(browser);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByRole('checkbox', { name: /^ce\b/ }).check();
    await page.getByRole('checkbox', { name: /^mse\b/ }).check();
    const gradients = page.getByRole('figure', { name: '‖∂L/∂W‖₂ of each dense layer' });
    await expect.poll(() => page.getByRole('heading', { name: '2 runs overlaid' }).count()).toBe(1);
    await expect.poll(() => gradients.getAttribute('data-lines')).toBe('3');
    await hover(gradients, 0.5);
    await expect(gradients.locator('.chart-at').textContent()).resolves.toMatch(/^at step \d+$/);
    const hrefs = await page
      .getByRole('link', { name: 'metrics.csv' })
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(hrefs.sort()).toEqual(['/runs/ce/metrics.csv', '/runs/mse/metrics.csv']);
    const response = await page.request.get(`http://127.0.0.1:${port}${hrefs[0]}`);
    expect(response.status()).toBe(200);
    expect(await response.text()).toMatch(/^epoch,trainLoss/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
