// `studio`: the real server (the CLI as a process), over raw HTTP and in real Chromium.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/studio/api.js';
import { haveChromium, launchChromium, pageWithErrors, chartsOf } from '../browser.js';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';
import { startStudio } from './studioProcess.js';

const root = temporaryFolder();
const runs = join(root, 'runs');
let studio: ChildProcess;
let port = 0;

/** A raw request: the path as written (no normalising of `..`), any headers. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const call = request(
      { host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

const postJson = (path: string, value: unknown, headers: Record<string, string> = {}) =>
  raw('POST', path, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(value));

async function listRuns(): Promise<RunSummary[]> {
  return JSON.parse((await raw('GET', '/api/runs')).text) as RunSummary[];
}

beforeAll(async () => {
  // the model the drawings are classified by, trained before the studio starts
  const trained = runCli([
    'train',
    '--hidden',
    '128',
    '--optimizer',
    'adam',
    '--epochs',
    '2',
    '--no-progress',
    '--out',
    join(runs, 'model'),
  ]);
  if (trained.status !== 0) throw new Error(trained.stderr);
  ({ child: studio, port } = await startStudio(runs));
});

afterAll(() => {
  studio?.kill('SIGINT');
});

describe('studio over HTTP', () => {
  it('lists the runs of its folder, with their status and figures', async () => {
    const [model] = await listRuns();
    expect(model).toMatchObject({ id: 'model', status: 'finished', epochs: 2, startedHere: false });
    expect(model.testAccuracy).toBeGreaterThan(0.95);
  });

  it('serves nothing outside its assets and its runs: traversal and links out are refused', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'model.json'), '{"secret": true}');
    symlinkSync(outside, join(runs, 'link'));
    for (const path of [
      '/runs/model/../../outside/model.json',
      '/runs/..%2f..%2foutside/model.json',
      '/runs/%2e%2e/outside/model.json',
      '/runs/link/model.json',
      '/../outside/model.json',
      '/runs/model/checkpoint.json',
      '/etc/passwd',
    ]) {
      const response = await raw('GET', path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(response.text).not.toContain('secret');
    }
    expect((await raw('GET', '/runs/model/model.json')).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (a cross-site POST)', async () => {
    const foreignHost = await raw('GET', '/api/runs', { Host: `attacker.example:${port}` });
    expect(foreignHost.status).toBe(403);
    const wrongPort = await raw('GET', '/api/runs', { Host: `127.0.0.1:${port + 1}` });
    expect(wrongPort.status).toBe(403);
    const crossSite = await postJson(
      '/api/runs',
      { epochs: 1 },
      { Origin: 'http://attacker.example' },
    );
    expect(crossSite.status).toBe(403);
    const form = await raw('POST', '/api/runs', { 'Content-Type': 'text/plain' }, '{"epochs": 1}');
    expect(form.status).toBe(415);
    expect((await listRuns()).map((run) => run.id)).toEqual(['model']); // nothing started
  });

  it('answers bad train options with a 400 naming each field, and starts nothing', async () => {
    const response = await postJson('/api/runs', {
      epochs: 'two',
      hidden: '64,x',
      optimizer: 'sgdd',
      out: '/tmp/elsewhere',
    });
    expect(response.status).toBe(400);
    const { errors } = JSON.parse(response.text) as { errors: Record<string, string> };
    // in the form's words, each by its field
    expect(errors.epochs).toBe('epochs: must be an integer, not "two".');
    expect(errors.hidden).toMatch(/^hidden layers: must be an integer, not "x"/);
    expect(errors.optimizer).toMatch(/^optimizer: must be one of sgd, momentum, adam, lbfgs/);
    expect(errors.out).toMatch(/not a train option the studio accepts/);
    // a key "__proto__" is refused by name, not lost
    const proto = await raw(
      'POST',
      '/api/runs',
      { 'Content-Type': 'application/json' },
      '{"__proto__": {"epochs": 1}}',
    );
    expect(proto.status).toBe(400);
    expect(JSON.parse(proto.text).errors.__proto__).toMatch(/"__proto__" is not a train option/);
    const rule = await postJson('/api/runs', { batchnorm: true });
    expect(JSON.parse(rule.text).errors.batchnorm).toMatch(/--batchnorm needs hidden layers/);
    expect((await listRuns()).map((run) => run.id)).toEqual(['model']);
  });

  it('predicts 784 pixels, and refuses 783 with a 400', async () => {
    const blank = new Array<number>(784).fill(0);
    for (let y = 4; y < 24; y++) for (let x = 13; x < 16; x++) blank[y * 28 + x] = 255; // a "1"
    const good = await postJson('/api/predict', { run: 'model', pixels: blank });
    expect(good.status).toBe(200);
    const { label, probabilities } = JSON.parse(good.text);
    expect(label).toBe('1');
    expect(probabilities).toHaveLength(10);
    const short = await postJson('/api/predict', { run: 'model', pixels: blank.slice(1) });
    expect(short.status).toBe(400);
    expect(JSON.parse(short.text).error).toMatch(/"pixels" must be 784 numbers .* not 783 values/);
    const unknown = await postJson('/api/predict', { run: 'nope', pixels: blank });
    expect(unknown.status).toBe(404);
  });
});

describe.skipIf(!haveChromium)('studio in Chromium', () => {
  it('starts a run from the page, shows a CLI run beside it live, stops one, and classifies drawings', async () => {
    const browser = await launchChromium();
    let cli: ChildProcess | null = null;
    try {
      const { page, errors } = await pageWithErrors(browser);
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForSelector('[data-testid=run-item][data-id=model]');

      // a bad option: its error beside its field, and no run
      const form = page.locator('#start-form');
      await form.locator('[name=epochs]').fill('two');
      await page.click('[data-testid=start-run]');
      const error = form.locator('label:has([name=epochs]) + .error[data-error-for=epochs]');
      await error.waitFor();
      expect(await error.textContent()).toBe('epochs: must be an integer, not "two".');
      // the form starts at the command line's defaults, and shows the learning rate's
      expect(await form.locator('[name=optimizer]').inputValue()).toBe('adam');
      expect(await form.locator('[name=lrSchedule]').inputValue()).toBe('cosine');
      expect(await form.locator('[name=lr]').getAttribute('placeholder')).toMatch(/^0\.005/);
      expect(await page.locator('[data-testid=run-item]').count()).toBe(1);

      // a run from the form: it appears, runs, grows and finishes
      await form.locator('[name=hidden]').fill('64');
      await form.locator('[name=optimizer]').selectOption('adam');
      await form.locator('[name=epochs]').fill('2');
      await page.click('[data-testid=start-run]');
      const item = page.locator('[data-testid=run-item]:not([data-id=model]):not([data-id=cli])');
      await item.first().waitFor();
      const id = (await item.first().getAttribute('data-id'))!;
      const mine = `[data-testid=run-item][data-id="${id}"]`;
      await page.waitForSelector(`${mine}[data-status=running]`, { timeout: 60_000 });

      // a train started in another terminal appears while it runs
      cli = spawn(process.execPath, [
        join(ROOT, 'bin/mnist-softmax.js'),
        'train',
        '--hidden',
        '64',
        '--optimizer',
        'adam',
        '--epochs',
        '3',
        '--no-progress',
        '--out',
        join(runs, 'cli'),
      ]);
      await page.waitForSelector('[data-testid=run-item][data-id=cli][data-status=running]', {
        timeout: 60_000,
      });
      // it grows: its curves get points while it runs
      const points = async () => {
        const run = JSON.parse((await raw('GET', '/api/runs/cli')).text);
        return { status: run.status as string, steps: run.curves.steps.length as number };
      };
      const seen: number[] = [];
      for (let now = await points(); now.status === 'running'; now = await points()) {
        seen.push(now.steps);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(new Set(seen).size).toBeGreaterThan(1);
      expect(Math.min(...seen)).toBeLessThan(150); // seen before its 3 epochs of 50 lines
      await page.waitForSelector(`${mine}[data-status=finished]`, { timeout: 60_000 });
      await page.waitForSelector('[data-testid=run-item][data-id=cli][data-status=finished]');

      // the page's run view: its charts drawn
      const charts = await chartsOf(page);
      expect(charts.map((chart) => chart.name)).toEqual([
        'loss',
        'accuracy',
        'gradient-norms',
        'saturation',
      ]);
      for (const chart of charts) expect(chart.inked).toBeGreaterThan(500);

      // Stop interrupts a run as Ctrl-C does
      await form.locator('[name=epochs]').fill('50');
      await page.click('[data-testid=start-run]');
      await page.waitForSelector(
        `[data-testid=run-item][data-status=running]:not([data-id="${id}"]):not([data-id=cli])`,
        { timeout: 60_000 },
      );
      await page.click('#stop');
      const stopped = await page.waitForSelector(
        '[data-testid=run-item][data-status=interrupted]',
        { timeout: 60_000 },
      );
      expect(await stopped.getAttribute('data-id')).not.toBe(id);

      // drawings, classified by the trained model as they are drawn
      await page.click('[data-testid=run-item][data-id=model] input');
      for (const other of [id, await stopped.getAttribute('data-id')]) {
        if (await page.isChecked(`[data-testid=run-item][data-id="${other}"] input`)) {
          await page.click(`[data-testid=run-item][data-id="${other}"] input`);
        }
      }
      const canvas = (await page.locator('[data-testid=draw-canvas]').boundingBox())!;
      const prediction = page.locator('[data-testid=prediction]');
      const stroke = async (points: [number, number][]) => {
        await page.click('#clear');
        await page.mouse.move(canvas.x + points[0][0], canvas.y + points[0][1]);
        await page.mouse.down();
        for (const [x, y] of points.slice(1)) await page.mouse.move(canvas.x + x, canvas.y + y);
        await page.mouse.up();
      };
      await stroke(Array.from({ length: 12 }, (_, i) => [145 - i, 40 + i * 18]));
      await prediction.filter({ hasText: /^1$/ }).waitFor();
      const oval = Array.from({ length: 40 }, (_, i): [number, number] => [
        140 + 60 * Math.sin((2 * Math.PI * i) / 39),
        140 - 90 * Math.cos((2 * Math.PI * i) / 39),
      ]);
      await stroke(oval);
      await prediction.filter({ hasText: /^0$/ }).waitFor();
      // another run ticked instead: the same drawing is classified again, by that run's model
      const again = page.waitForResponse(
        (answer) =>
          answer.url().endsWith('/api/predict') &&
          (JSON.parse(answer.request().postData() ?? '{}') as { run?: string }).run === id,
      );
      await page.click('[data-testid=run-item][data-id=model] input');
      await page.click(`${mine} input`);
      const { label } = (await (await again).json()) as { label: string };
      await expect.poll(() => prediction.textContent()).toBe(label);

      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-results', 'studio.png'), fullPage: true });
      // Chromium logs every answer that is not 2xx: here, only the bad option's 400
      expect(errors).toEqual([
        'Failed to load resource: the server responded with a status of 400 (Bad Request)',
      ]);
    } finally {
      cli?.kill('SIGKILL');
      await browser.close();
    }
  });
});
