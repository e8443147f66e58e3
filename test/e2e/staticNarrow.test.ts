// The static studio on a phone (390 px wide, dark mode), in real Chromium: the form's labels on
// one line (a select is no shorter than an input), the "Hidden layers" placeholder seen whole,
// and a chart's legend read as text: each line's label on one line, its value after it.

import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, pageWithErrors } from '../browser.js';
import { temporaryFolder } from '../helpers.js';
import { closeStaticSite, openStaticSite, originOf } from './staticServer.js';

const root = temporaryFolder('mnist-softmax-static-narrow-');
let browser: Browser;
let server: Server;

beforeAll(async () => ({ server, browser } = await openStaticSite(join(root, 'site'), [])), 60_000);
afterAll(() => closeStaticSite({ server, browser }));

/** How many lines the text of `node` takes (its line boxes' distinct tops). */
const lines = (node: Locator) =>
  node.evaluate((element) => {
    const range = element.ownerDocument.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  });

/** The room left in a text field once its placeholder is written in the field's own font. */
const placeholderRoom = (field: Locator) =>
  field.evaluate((element) => {
    const input = element as typeof element & { placeholder: string };
    const style = element.ownerDocument.defaultView!.getComputedStyle(input);
    const context = element.ownerDocument.createElement('canvas').getContext('2d')!;
    context.font = style.font;
    const inside =
      input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return inside - context.measureText(input.placeholder).width;
  });

describe.skipIf(!haveChromium)('the static studio at 390 px, dark', () => {
  it('lines up the form, shows the placeholder whole and reads the legend as text', async () => {
    const { page, errors } = await pageWithErrors(browser);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto(`${originOf(server)}/`);
    const status = page.locator('#status');
    await expect.poll(() => status.getAttribute('data-state')).toBe('idle');

    // the labels of a row start at one height: Hidden layers and Optimizer (when on one row)
    const form = page.locator('#start-form');
    const hidden = form.getByRole('textbox', { name: 'Hidden layers' });
    const optimizer = form.getByRole('combobox', { name: 'Optimizer' });
    const labelTop = (control: Locator) =>
      control.evaluate((node) => node.closest('label')!.getBoundingClientRect().top);
    const controlTop = (control: Locator) =>
      control.evaluate((node) => node.getBoundingClientRect().top);
    if ((await controlTop(hidden)) === (await controlTop(optimizer))) {
      expect(await labelTop(optimizer)).toBe(await labelTop(hidden));
    }
    // every row's labels start at one height
    const rows = await form.locator('label').evaluateAll((labels) => {
      const byBottom = new Map<number, number[]>();
      for (const label of labels) {
        const box = label.getBoundingClientRect();
        const control = label.querySelector('input, select')!.getBoundingClientRect();
        const row = Math.round(control.bottom);
        byBottom.set(row, [...(byBottom.get(row) ?? []), Math.round(box.top)]);
      }
      return [...byBottom.values()];
    });
    for (const tops of rows) expect(new Set(tops).size).toBe(1);
    // the placeholder fits its field
    const room = await placeholderRoom(hidden);
    expect(room).toBeGreaterThanOrEqual(0);

    await page.getByRole('button', { name: 'Start' }).click();
    await expect
      .poll(() => status.getAttribute('data-state'), { timeout: 60_000 })
      .toBe('finished');
    // hovered between two epochs: the test line's value says at which step it was measured
    const loss = page.locator('.chart[data-chart=loss]');
    const plot = loss.locator('.u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
    const test = loss.locator('.chart-legend li[data-label^="test"]');
    await expect.poll(() => test.locator('.value').textContent()).toMatch(/ at step /);
    // each label on one line, its value after it (wrapped as words are), not a column beside it
    for (const label of await loss
      .locator('.chart-legend li[data-label] > span:not(.value)')
      .all()) {
      expect(await lines(label)).toBe(1);
    }
    await page.screenshot({ path: join(root, 'static-390-dark.png'), fullPage: true });
    console.log(`static 390 px dark screenshot in ${root}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
