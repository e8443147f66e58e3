// Looks at the charts as a person would: trains a few short runs, opens their report.html, the
// `compare` page and the studio in Chromium, hovers, zooms, toggles log scale and smoothing, and
// saves screenshots at 1400 px, 390 px and in dark mode into OUT (default /tmp/charts-look).
//   node scripts/look-charts.mjs [OUT]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** @typedef {import('playwright-core').Page} Page */

const OUT = process.argv[2] ?? '/tmp/charts-look';
const RUNS = join(OUT, 'runs');
const CLI = join(dirname(fileURLToPath(import.meta.url)), '../bin/mnist-softmax.js');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(RUNS, { recursive: true });
const base = ['train', '--epochs', '2', '--train-limit', '6000', '--no-progress'];
const runs = {
  'ce-adam': [],
  'mse-sgd': ['--loss', 'mse', '--optimizer', 'sgd'],
  'bn-relu': ['--hidden', '64', '--batchnorm', '--val-split', '0.1'],
  diverged: ['--optimizer', 'sgd', '--lr', '40'],
};
for (const [name, args] of Object.entries(runs)) {
  try {
    execFileSync('node', [CLI, ...base, ...args, '--out', join(RUNS, name)], { stdio: 'pipe' });
  } catch (error) {
    console.log(
      `${name}: ${String(/** @type {{ stderr?: unknown }} */ (error).stderr)
        .trim()
        .split('\n')
        .pop()}`,
    );
  }
}
execFileSync('node', [
  CLI,
  'compare',
  ...Object.keys(runs).map((r) => join(RUNS, r)),
  '--out',
  join(OUT, 'compare.html'),
]);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--no-first-run',
  ],
});
// the charts only (as the viewport shows them, so a hover stays), and the whole page
/** @param {Page} page @param {string} name */
const shot = async (page, name) => {
  const box = await page.locator('#charts').boundingBox();
  if (box?.width) await page.screenshot({ path: join(OUT, `${name}-charts.png`), clip: box });
  else console.log(`${name}: #charts has no width`);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  const scroll = Number(await page.evaluate('document.documentElement.scrollWidth - innerWidth'));
  console.log(`${name}.png${scroll > 0 ? `  (scrolls sideways by ${scroll} px)` : ''}`);
};
/** @type {string[]} */
const errors = [];
/** @param {string} url @param {number} width */
async function open(url, width, dark = false) {
  const page = await browser.newPage({ viewport: { width, height: 4000 } });
  page.on('pageerror', (e) => errors.push(`${url}: ${e.message}`));
  if (dark) await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(url);
  await page.waitForSelector('.chart canvas');
  return page;
}
/** @param {Page} page */
async function hover(page, chart = 0, at = 0.4) {
  const box = (await page.locator('.chart .u-over').nth(chart).boundingBox()) ?? {
    x: 0,
    y: 0,
    width: 0,
    height: 0,
  };
  await page.mouse.move(box.x + at * box.width, box.y + box.height / 2);
}
/** @param {Page} page */
async function zoom(page, chart = 0) {
  const box = (await page.locator('.chart .u-over').nth(chart).boundingBox()) ?? {
    x: 0,
    y: 0,
    width: 0,
    height: 0,
  };
  await page.mouse.move(box.x + 0.2 * box.width, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + 0.5 * box.width, box.y + 40, { steps: 5 });
  await page.mouse.up();
}

const report = `file://${join(RUNS, 'bn-relu', 'report.html')}`;
let page = await open(report, 1400);
await hover(page, 0);
await shot(page, 'report-1400-hover');
await page.getByRole('button', { name: 'Log scale' }).first().click();
await page.getByLabel('Smoothing').fill('0.8');
await page.getByLabel('x axis').selectOption('epoch');
await hover(page, 0, 0.7);
await shot(page, 'report-1400-log-smooth-epoch');
await page.getByLabel('x axis').selectOption('time');
await hover(page, 2, 0.5);
await shot(page, 'report-1400-time');
await page.close();
page = await open(report, 390);
await hover(page, 1);
await shot(page, 'report-390');
await page.close();
page = await open(report, 1400, true);
await hover(page, 0);
await shot(page, 'report-dark');
await page.close();

const compare = `file://${join(OUT, 'compare.html')}`;
page = await open(compare, 1400);
await hover(page, 0, 0.6);
await shot(page, 'compare-1400');
await page.getByRole('button', { name: 'Log scale' }).first().click();
await zoom(page, 0);
await hover(page, 0, 0.6);
await shot(page, 'compare-1400-log-zoom');
await page.close();
page = await open(compare, 390, true);
await shot(page, 'compare-390-dark');
await page.close();

const port = 20000 + Math.floor(Math.random() * 20000);
const studio = spawn('node', [CLI, 'studio', '--runs', RUNS, '--port', String(port)], {
  stdio: 'pipe',
});
await new Promise((resolve) => studio.stdout.once('data', resolve));
try {
  /** @type {[string, number, boolean][]} */
  const views = [
    ['studio-1400', 1400, false],
    ['studio-390', 390, false],
    ['studio-dark', 1400, true],
  ];
  for (const [name, width, dark] of views) {
    const page = await browser.newPage({ viewport: { width, height: 3000 } });
    page.on('pageerror', (e) => errors.push(`studio: ${e.message}`));
    if (dark) await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByRole('checkbox', { name: /ce-adam/ }).check();
    await page.getByRole('checkbox', { name: /mse-sgd/ }).check();
    await page.waitForSelector('.chart canvas');
    await page.waitForTimeout(500);
    await hover(page, 2);
    await shot(page, name);
    await page.close();
  }
} finally {
  studio.kill('SIGINT');
}
await browser.close();
console.log(errors.length ? errors.join('\n') : 'no page errors');
