// The studio's page as a person uses it, in Chromium, found by roles and visible names: the list
// (newest first, a new run on top and selected, a filter, sorting by accuracy), the form (the
// command line's defaults, an error beside its field), a stopped run's report and Resume, a phone's
// width, dark mode's contrast, the keyboard, and drawing with a finger.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { OPTIONS_BY_NAME } from '../../src/run/options.js';
import { checkValue } from '../../src/run/optionValues.js';
import { formFields } from '../../src/web/formFields.js';
import { haveChromium } from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const runs = join(temporaryFolder(), 'runs');

/** A small run made before the studio starts (a few seconds each). */
function train(name: string, ...options: string[]) {
  const args = ['train', '--train-limit', '3000', '--epochs', '1', '--no-progress'];
  const result = runCli([...args, ...options, '--out', join(runs, name)]);
  if (result.status !== 0) throw new Error(result.stderr);
}

const studio = useStudio(runs, {
  prepare: () => {
    train('alpha');
    train('beta', '--hidden', '32');
    train('gamma', '--optimizer', 'sgd', '--loss', 'mse');
  },
});

async function open(
  options: { width?: number; colorScheme?: 'light' | 'dark'; hasTouch?: boolean } = {},
): Promise<Page> {
  const context = await studio.browser.newContext({
    viewport: { width: options.width ?? 1400, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    hasTouch: options.hasTouch ?? false,
  });
  const page = await context.newPage();
  await page.goto(studio.url);
  await page.getByRole('row', { name: /alpha/ }).waitFor();
  return page;
}

/** The ids of the table's rows, top to bottom. */
const rowIds = (page: Page) =>
  page.$$eval('[data-testid=run-item]', (rows) => rows.map((row) => row.getAttribute('data-id')));

describe.skipIf(!haveChromium)('the studio page, as a person uses it', () => {
  it('lists runs newest first, filters them and sorts them by accuracy', async () => {
    const page = await open();
    // started alpha, beta, gamma in that order: newest first
    expect(await rowIds(page)).toEqual(['gamma', 'beta', 'alpha']);
    const runHeader = page.getByRole('columnheader', { name: 'Run', exact: true });
    expect(await runHeader.getAttribute('aria-sort')).toBe('descending');

    await page.getByRole('searchbox', { name: 'Filter runs' }).fill('sgd');
    await expect.poll(() => rowIds(page)).toEqual(['gamma']);
    await page.getByRole('searchbox', { name: 'Filter runs' }).fill('');

    const accuracies = async () => {
      const byId: Record<string, number> = {};
      for (const id of ['alpha', 'beta', 'gamma']) {
        const metrics = JSON.parse(readFileSync(join(runs, id, 'metrics.json'), 'utf8'));
        byId[id] = metrics.last.testAccuracy;
      }
      return byId;
    };
    const accuracy = await accuracies();
    const best = Object.keys(accuracy).sort((a, b) => accuracy[b] - accuracy[a]);
    await page.getByRole('button', { name: 'Test accuracy' }).click();
    const header = page.getByRole('columnheader', { name: 'Test accuracy' });
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect(await runHeader.getAttribute('aria-sort')).toBe('none');
    expect(await rowIds(page)).toEqual(best);
    await page.getByRole('button', { name: 'Test accuracy' }).click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect(await rowIds(page)).toEqual([...best].reverse());
    await page.context().close();
  });

  it("starts the form at train's defaults and shows a bad value's error beside its field", async () => {
    const page = await open();
    const form = page.getByRole('form', { name: 'Start a run' });
    await form.getByText('More options').click();
    for (const field of formFields()) {
      const control = form.locator(`[name="${field.name}"]`);
      const spec = OPTIONS_BY_NAME.get(field.name)!;
      if (field.control === 'checkbox') {
        expect([field.name, await control.isChecked()]).toEqual([field.name, spec.default]);
        continue;
      }
      const value = await control.inputValue();
      // an empty field is not sent: the option's own default
      const empty = Array.isArray(spec.default) ? [] : undefined;
      const meant = value === '' ? empty : checkValue(spec, value);
      expect([field.name, meant]).toEqual([field.name, spec.default]);
    }
    expect(await form.getByRole('combobox', { name: 'optimizer' }).inputValue()).toBe('adam');
    expect(await form.getByRole('combobox', { name: 'schedule' }).inputValue()).toBe('cosine');
    // every field's value, placeholder or choice is whole in its box
    expect(await page.evaluate<string[]>(CUT_FORM_TEXTS)).toEqual([]);
    // a ticked box's title says what the tick does
    const shuffle = form.getByRole('checkbox', { name: 'shuffle' });
    expect(await shuffle.isChecked()).toBe(true);
    expect(await shuffle.getAttribute('title')).toMatch(/^shuffle the training set before each/);

    const decay = form.getByRole('textbox', { name: 'weight decay' });
    await decay.fill('-1');
    await form.getByRole('button', { name: 'Start' }).click();
    const error = page.locator('#error-weightDecay');
    await expect.poll(() => error.textContent()).toMatch(/^weight decay: /);
    // beside its field, and named by it
    expect(await decay.getAttribute('aria-describedby')).toContain('error-weightDecay');
    expect(await decay.getAttribute('aria-invalid')).toBe('true');
    const [fieldBox, errorBox] = [await decay.boundingBox(), await error.boundingBox()];
    expect(Math.abs(errorBox!.y - (fieldBox!.y + fieldBox!.height))).toBeLessThan(30);
    expect(await rowIds(page)).toHaveLength(3); // no run started
    await page.context().close();
  });

  it('puts a new run on top, selected; a stopped one gets its report and Resume continues it', async () => {
    const page = await open();
    const form = page.getByRole('form', { name: 'Start a run' });
    await form.getByRole('textbox', { name: 'hidden layers' }).fill('64');
    await form.getByRole('textbox', { name: 'epochs' }).fill('40');
    await form.getByRole('button', { name: 'Start' }).click();
    await expect.poll(async () => (await rowIds(page)).length).toBe(4);
    const id = (await rowIds(page))[0]!;
    expect(['alpha', 'beta', 'gamma']).not.toContain(id);
    const row = page.locator(`[data-testid=run-item][data-id="${id}"]`);
    expect(await row.getByRole('checkbox').isChecked()).toBe(true);
    await expect.poll(() => page.locator('#selection-title').textContent()).toBe(`Run ${id}`);

    // once an epoch has finished, Stop: interrupted, with its report, marked
    await row.filter({ hasText: /epoch [1-9]/ }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .locator(`[data-testid=run-item][data-id="${id}"][data-status=interrupted]`)
      .waitFor({ timeout: 60_000 });
    const report = readFileSync(join(runs, id, 'report.html'), 'utf8');
    expect(report).toMatch(/stopped after epoch \d+, batch \d+/);
    expect(existsSync(join(runs, id, 'weights.png'))).toBe(true);
    const link = page.getByRole('link', { name: 'Open its report' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/runs/${id}/report.html`);
    const epochsBefore = JSON.parse(readFileSync(join(runs, id, 'metrics.json'), 'utf8'))
      .epochsRun as number;

    // Resume: the same folder trains again, from its checkpoint, and goes past where it stopped
    await page.getByRole('button', { name: 'Resume' }).click();
    await page
      .locator(`[data-testid=run-item][data-id="${id}"][data-status=running]`)
      .waitFor({ timeout: 60_000 });
    await row
      .filter({ hasText: new RegExp(`epoch (${epochsBefore + 1}|${epochsBefore + 2})\\b`) })
      .waitFor({ timeout: 90_000 });
    const events = readFileSync(join(runs, id, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const starts = events.map((line) => JSON.parse(line)).filter((e) => e.type === 'start');
    expect(starts).toHaveLength(2);
    expect(starts[1].epoch).toBe(epochsBefore);
    // a finished run is not resumed, nor one that runs
    const resume = (run: string) =>
      page.request.post(`${studio.url}api/runs/${run}/resume`, { data: {} });
    expect((await resume('alpha')).status()).toBe(409);
    expect(await (await resume(id)).json()).toEqual({ id, result: 'running' });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .locator(`[data-testid=run-item][data-id="${id}"][data-status=interrupted]`)
      .waitFor({ timeout: 60_000 });
    await page.context().close();
  }, 240_000);

  it('fits a 390 px phone: one column, no sideways scrolling, the canvas on screen', async () => {
    const page = await open({ width: 390 });
    await page.getByRole('row', { name: /alpha/ }).getByRole('checkbox').check();
    await page.locator('.chart').first().waitFor();
    const widths = await page.evaluate<number[]>(
      '[document.documentElement.scrollWidth, innerWidth]',
    );
    expect(widths).toEqual([390, 390]);
    const canvas = page.getByRole('img', { name: /Drawing area/ });
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.width).toBeGreaterThan(200);
    // every field's value, placeholder or choice is whole in its box
    await page.getByText('More options').click();
    expect(await page.evaluate<string[]>(CUT_FORM_TEXTS)).toEqual([]);
    for (const chart of await page.locator('.chart canvas').all()) {
      const chartBox = (await chart.boundingBox())!;
      expect(chartBox.width).toBeGreaterThan(250);
      expect(chartBox.x + chartBox.width).toBeLessThanOrEqual(390);
    }
    await page.context().close();
  });

  for (const colorScheme of ['dark', 'light'] as const) {
    it(`has text of contrast 4.5:1 or more in ${colorScheme} mode`, async () => {
      const page = await open({ colorScheme });
      await page.getByRole('row', { name: /beta/ }).getByRole('checkbox').check();
      await page.locator('.chart').first().waitFor();
      const background = await page.evaluate<string>(
        'getComputedStyle(document.body).backgroundColor',
      );
      expect(background).toBe(colorScheme === 'dark' ? 'rgb(22, 22, 22)' : 'rgb(255, 255, 255)');
      // the confusion matrix's cells too, its diagonal the most tinted
      const diagonal = page.locator('table.confusion tr:nth-child(2) td').first();
      await diagonal.waitFor();
      // its heading groups the test set's count as every count the tool prints
      await page.getByRole('heading', { name: /^Test set: [\d.]+% of 10,000 / }).waitFor();
      expect(await diagonal.evaluate((cell) => cell.style.background)).toMatch(
        /rgba\(31, 119, 180/,
      );
      const low = await page.evaluate<string[]>(LOW_CONTRAST_TEXTS);
      expect(low).toEqual([]);
      await page.context().close();
    });
  }

  it('reaches a lesson button in a few Tab presses', async () => {
    const page = await open();
    let reached = 0;
    for (let tab = 1; tab <= 6 && !reached; tab++) {
      await page.keyboard.press('Tab');
      if ((await page.locator(':focus').getAttribute('data-lesson')) !== null) reached = tab;
    }
    expect(reached).toBeGreaterThan(0);
    // and Enter on the header's "Runs" link takes the keyboard to the list
    await page.getByRole('link', { name: 'Runs', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('aria-describedby')).toBe('runs-hint');
    await page.keyboard.type('sgd');
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).inputValue()).toBe('sgd');
    await page.context().close();
  });

  it('classifies a digit drawn with a finger and announces it', async () => {
    const page = await open({ hasTouch: true });
    await page.getByRole('row', { name: /beta/ }).getByRole('checkbox').check();
    const canvas = page.getByRole('img', { name: /Drawing area/ });
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const client = await page.context().newCDPSession(page);
    type Touch = 'touchStart' | 'touchMove' | 'touchEnd';
    const touch = (type: Touch, x: number, y: number) =>
      client.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + x, y: box.y + y }],
      });
    await touch('touchStart', box.width / 2, box.height * 0.15);
    for (let i = 1; i <= 12; i++) {
      await touch('touchMove', box.width / 2, box.height * (0.15 + 0.06 * i));
    }
    await touch('touchEnd', 0, 0);
    const live = page.locator('[aria-live=polite]', { hasText: 'The model reads' });
    await expect
      .poll(async () => (await live.textContent())!.trim(), { timeout: 20_000 })
      .toMatch(/^The model reads: \d$/);
    expect(await page.getByText(/Drawings are classified by run beta/).count()).toBe(1);
    await page.context().close();
  });
});

/**
 * The start form's fields whose text (value, else placeholder; a select's choice) is wider than
 * the room its box gives it (a select's arrow takes about 24 px). Page code, as a string.
 */
const CUT_FORM_TEXTS = `(() => {
  const context = document.createElement('canvas').getContext('2d');
  const cut = [];
  for (const field of document.querySelectorAll('#start-form input, #start-form select')) {
    if (field.type === 'checkbox') continue;
    const text =
      field.tagName === 'SELECT' ? field.selectedOptions[0].text : field.value || field.placeholder;
    const style = getComputedStyle(field);
    context.font = style.font;
    const room =
      field.clientWidth -
      parseFloat(style.paddingLeft) -
      parseFloat(style.paddingRight) -
      (field.tagName === 'SELECT' ? 24 : 0);
    const width = context.measureText(text).width;
    if (width > room) cut.push(field.name + ': ' + text + ' (' + Math.round(width) + ' > ' + room + ')');
  }
  return cut;
})()`;

/**
 * The page's texts whose colour on their background has a contrast under 4.5:1 (WCAG's relative
 * luminance), with the colours. Page code, as a string: the tests are typed without the DOM.
 */
const LOW_CONTRAST_TEXTS = `(() => {
  const parse = (colour) => {
    const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
    return { rgb: [r, g, b], a };
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // the backgrounds from the element out to the first opaque one, translucent ones (a confusion
  // cell's tint) laid over it as the browser paints them
  const backgroundOf = (element) => {
    const layers = [];
    let under = [255, 255, 255];
    for (let node = element; node; node = node.parentElement) {
      const layer = parse(getComputedStyle(node).backgroundColor);
      if (layer.a >= 1) {
        under = layer.rgb;
        break;
      }
      if (layer.a > 0) layers.push(layer);
    }
    return layers.reduceRight(
      (below, { rgb, a }) => below.map((c, i) => a * rgb[i] + (1 - a) * c),
      under,
    );
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || element.closest('.visually-hidden, script, style')) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
    if (element.closest('button:disabled')) continue; // WCAG exempts inactive controls
    const fore = luminance(parse(style.color).rgb);
    const back = luminance(backgroundOf(element));
    const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
    if (ratio < 4.5) low.push(text.slice(0, 30) + ': ' + style.color + ' ' + ratio.toFixed(2));
  }
  return low;
})()`;
