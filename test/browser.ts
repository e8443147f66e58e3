// Headless Chromium (Debian's package) through playwright-core, for the pages we write and serve.

import { existsSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** CI installs Chromium (.ci/run) and sets REQUIRE_CHROMIUM, so there browser tests always run. */
export const haveChromium = existsSync(CHROMIUM) || process.env.REQUIRE_CHROMIUM === '1';

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new page whose errors (uncaught, console, failed requests) are collected. */
export async function pageWithErrors(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('requestfailed', (request) => errors.push(`failed: ${request.url()}`));
  return { page, errors };
}

/** How far the page scrolls sideways, in CSS pixels: 0 (or less) when it fits its viewport. */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
}

/** What the charts of a page drew: each one's name, lines and bands (see src/web/charts.ts). */
export function chartsOf(page: Page) {
  return page.$$eval('.chart', (all) =>
    all.map((chart) => ({
      name: chart.dataset.chart,
      lines: Number(chart.dataset.lines),
      bands: Number(chart.dataset.bands),
      // pixels drawn on the chart's canvas: dark, not transparent
      inked: (() => {
        const canvas = chart.querySelector('canvas');
        if (!canvas) return 0;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 200) count++;
        return count;
      })(),
    })),
  );
}

/**
 * The typeset formulas (.step-formula, src/web/stepPieces.ts) in `scope` whose lines reach past
 * their box, as "label: N px" (none when every one fits).
 */
export function formulasTooWide(scope: Locator): Promise<string[]> {
  return scope.locator('.step-formula').evaluateAll((formulas) =>
    formulas.flatMap((formula) => {
      const box = formula.getBoundingClientRect();
      // every piece typeset (a line's own box may be narrower than what it holds)
      const pieces = formula.querySelectorAll('.katex-html *');
      let right = box.left;
      for (let i = 0; i < pieces.length; i++) {
        right = Math.max(right, pieces[i].getBoundingClientRect().right);
      }
      const over = Math.round(right - box.right);
      return over > 0 ? [`${formula.getAttribute('aria-label')}: ${over} px`] : [];
    }),
  );
}

/** A vertical stroke down the middle of a drawing canvas (a one), drawn with the mouse. */
export async function drawVerticalStroke(canvas: Locator): Promise<void> {
  const page = canvas.page();
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 40);
  await page.mouse.down();
  for (let y = 40; y <= 240; y += 20) await page.mouse.move(box.x + box.width / 2, box.y + y);
  await page.mouse.up();
}
