// The studio's step view: its endpoints over raw HTTP (bad input answered 400 in one line, the
// step moving the view's copy by exactly the update `explain` reports, the run's model.json
// untouched) and the page in real Chromium, driven by the names a person reads.

import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  drawVerticalStroke,
  formulasTooWide,
  haveChromium,
  pageWithErrors,
  sidewaysScroll,
} from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const root = temporaryFolder('mnist-softmax-stepview-');
const runs = join(root, 'runs');

/** The runs the studio finds when it starts. */
function trainRuns() {
  // softmax regression trained by plain SGD: the model records lr 0.5, the step's rate
  for (const [name, extra] of [
    ['softmax', []],
    ['deep', ['--hidden', '32']],
  ] as const) {
    const trained = runCli([
      'train',
      '--optimizer',
      'sgd',
      '--lr',
      '0.5',
      '--epochs',
      '1',
      '--train-limit',
      '5000',
      ...extra,
      '--no-progress',
      '--out',
      join(runs, name),
    ]);
    if (trained.status !== 0) throw new Error(trained.stderr);
  }
}

// the endpoints are tested without Chromium too
const studio = useStudio(runs, { prepare: trainRuns, needsChromium: false });

function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port: studio.port,
        method: 'POST',
        path,
        headers: {
          Host: `127.0.0.1:${studio.port}`,
          'Content-Type': 'application/json',
          ...headers,
        },
      },
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

interface Parameter {
  name: string;
  gradient: number[];
  update: number[];
}

describe('step view endpoints', () => {
  it('answers bad input 400 with one line, a foreign Origin 403, an unknown run 404', async () => {
    const cases: [string, string][] = [
      ['{"index": 10000}', '"index" must be a test image from 0 to 9999'],
      ['{"index": -1}', '"index" must be a whole number from 0, not -1'],
      ['{"index": 2.5}', '"index" must be a whole number from 0, not 2.5'],
      ['{}', 'give one sample: "index" (a test image) or "pixels" and "label"'],
      ['{"pixels": [1, 2], "label": 3}', '"pixels" must be 784 numbers from 0 to 255'],
      [
        JSON.stringify({ pixels: new Array(784).fill(0), label: 10 }),
        '"label" must be a class from 0 to 9',
      ],
      ['[3]', 'the body must be a JSON object: {"index"} or {"pixels", "label"}'],
      ['{"index": 3, "view": "a b"}', '"view" must be 1 to 40 letters, digits or hyphens'],
      [
        JSON.stringify({ index: 3, view: 'a'.repeat(41) }),
        '"view" must be 1 to 40 letters, digits or hyphens',
      ],
      ['{"index": 3', 'the body is not valid JSON'],
    ];
    for (const [body, error] of cases) {
      for (const path of ['/api/runs/softmax/explain', '/api/runs/softmax/explain/step']) {
        const answer = await post(path, body);
        expect([path, body, answer.status]).toEqual([path, body, 400]);
        expect(JSON.parse(answer.text)).toEqual({ error });
      }
    }
    const foreign = await post('/api/runs/softmax/explain', '{"index": 3}', {
      Origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect((await post('/api/runs/nope/explain', '{"index": 3}')).status).toBe(404);
    expect((await post('/api/runs/softmax/explain/other', '{"index": 3}')).status).toBe(404);
  });

  it('Step moves the copy by exactly the update explain reports; model.json untouched', async () => {
    const file = join(runs, 'softmax', 'model.json');
    const saved = readFileSync(file);
    const explained = await post('/api/runs/softmax/explain', '{"index": 3, "reset": true}');
    expect(explained.status).toBe(200);
    const record = JSON.parse(explained.text) as {
      label: number;
      loss: 'cross-entropy';
      learningRate: number;
      probabilities: number[];
      steps: Record<string, { parameters: Parameter[]; probabilitiesAfter: number[] }>;
    };
    expect(record.loss).toBe('cross-entropy');
    expect(record.learningRate).toBe(0.5);
    const weights = record.steps[record.loss].parameters.find((p) => p.name === 'weights')!;

    const stepped = await post('/api/runs/softmax/explain/step', '{"index": 3}');
    expect(stepped.status).toBe(200);
    const step = JSON.parse(stepped.text) as {
      weightsBefore: number[];
      weightsAfter: number[];
      probabilitiesBefore: number[];
      probabilitiesAfter: number[];
      stepsTaken: number;
    };
    expect(step.stepsTaken).toBe(1);
    expect(step.probabilitiesBefore).toEqual(record.probabilities);
    expect(step.probabilitiesAfter).toEqual(record.steps[record.loss].probabilitiesAfter);
    // after − before, in float32, is the record's update bit for bit ...
    const difference = step.weightsAfter.map((w, i) => Math.fround(w - step.weightsBefore[i]));
    expect(difference.length).toBe(784 * 10);
    expect(difference.every((d, i) => Object.is(d, weights.update[i]))).toBe(true);
    // ... and −lr·dW to float32 rounding: within one float32 ulp of the weight it moved (the
    // subtraction's rounding, and the difference's when the weight crosses a power of two)
    let changed = 0;
    difference.forEach((d, i) => {
      const exact = -record.learningRate * weights.gradient[i];
      const scale = Math.max(Math.abs(step.weightsBefore[i]), Math.abs(step.weightsAfter[i]));
      expect(Math.abs(d - exact)).toBeLessThanOrEqual(scale * 2 ** -23 + 1e-45);
      if (d !== 0) changed++;
    });
    expect(changed).toBeGreaterThan(100);
    const label = record.label;
    expect(step.probabilitiesAfter[label]).toBeGreaterThan(step.probabilitiesBefore[label]);
    // the next explain sees the stepped copy; the run's file is as it was
    const again = JSON.parse((await post('/api/runs/softmax/explain', '{"index": 3}')).text) as {
      probabilities: number[];
      stepsTaken: number;
    };
    expect(again.stepsTaken).toBe(1);
    expect(again.probabilities).toEqual(step.probabilitiesAfter);
    // another view has its own copy, the run's model as it is
    const other = JSON.parse(
      (await post('/api/runs/softmax/explain', '{"index": 3, "view": "other-page-1"}')).text,
    ) as { probabilities: number[]; stepsTaken: number };
    expect(other.stepsTaken).toBe(0);
    expect(other.probabilities).toEqual(record.probabilities);
    expect(readFileSync(file).equals(saved)).toBe(true);
  });

  it('a drawing (pixels and a label) is explained as the same test image is', async () => {
    type Record = { pixels: number[]; label: number; logits: number[]; sample: object };
    const byIndex = JSON.parse(
      (await post('/api/runs/deep/explain', '{"index": 5, "reset": true}')).text,
    ) as Record;
    const drawn = await post(
      '/api/runs/deep/explain',
      JSON.stringify({ pixels: byIndex.pixels, label: byIndex.label }),
    );
    expect(drawn.status).toBe(200);
    const byPixels = JSON.parse(drawn.text) as Record;
    expect(byPixels.sample).toEqual({ description: 'your drawing' });
    expect(byPixels.logits).toEqual(byIndex.logits);
  });

  it('a deeper model answers each parameter’s norms before and after', async () => {
    const answer = await post('/api/runs/deep/explain/step', '{"index": 0, "reset": false}');
    expect(answer.status).toBe(200);
    const step = JSON.parse(answer.text) as {
      weightsBefore: null;
      parameters: { name: string; updateNorm: number; normBefore: number; normAfter: number }[];
    };
    expect(step.weightsBefore).toBeNull();
    expect(step.parameters.map((p) => p.name)).toEqual(['weights', 'bias', 'weights', 'bias']);
    for (const p of step.parameters) expect(p.updateNorm).toBeGreaterThan(0);
  });
});

describe.skipIf(!haveChromium)('step view in Chromium', () => {
  it('test image 3: its label’s bar, the formulas with numbers, Step raises p of the label', async () => {
    // the endpoint tests above stepped their copies: the page has a copy of its own
    const { page, errors } = await pageWithErrors(studio.browser);
    const origin = `http://127.0.0.1:${studio.port}`;
    const outside: string[] = [];
    // the studio's own origin, its blobs (the weights picture) and data: URLs, nothing else
    const inside = [`${origin}/`, `blob:${origin}/`, 'data:'];
    page.on('request', (r) => {
      if (!inside.some((start) => r.url().startsWith(start))) outside.push(r.url());
    });
    const fonts: string[] = [];
    page.on('response', (r) => {
      if (/\/fonts\/KaTeX_/.test(r.url()) && r.status() === 200) fonts.push(r.url());
    });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`${origin}/`);
    await page.getByRole('checkbox', { name: /softmax/ }).check();
    await page.getByRole('button', { name: 'Lay open one training step' }).click();
    const view = page.locator('#step-view');
    await view
      .getByRole('heading', { name: 'One training step, laid open: run softmax' })
      .waitFor();
    await view.getByRole('spinbutton', { name: 'Test image' }).fill('3');
    await view.getByRole('button', { name: 'Show test image' }).click();
    const status = view.getByRole('status');
    await expect.poll(() => status.textContent()).toMatch(/^test image 3, target class 0;/);
    // the rate said as what it is: the run's base rate, not what its (cosine) schedule made of it
    expect(await status.textContent()).toContain(
      "at lr 0.5000 (the run's base rate, its --lr; it trained with sgd on a cosine schedule; " +
        'neither the schedule nor a rate set by hand while it ran is applied here)',
    );
    // the label's row: its p bar drawn in the target's colour, most of the way across
    const outputs = view.getByRole('table', { name: /logits z and probabilities p/ });
    const row = outputs.getByRole('row', { name: /^0 / });
    const bar = row.locator('.step-bar-target');
    const width = await bar.evaluate((node) => node.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(10);
    // the formulas, typeset, with this sample's numbers
    const formulas = view.getByTestId('step-formulas');
    await expect.poll(() => formulas.locator('.katex').count()).toBeGreaterThanOrEqual(6);
    const source = await formulas.locator('annotation').first().textContent();
    expect(source).toMatch(/p_\{0\} &= \\frac.*= 0\.\d{3,}\\end\{aligned\}$/);
    const pBefore = Number(/= (0\.\d+)\\end\{aligned\}$/.exec(source!)![1]);
    // the fonts are the studio's own
    await page.evaluate('document.fonts.ready');
    expect(await page.evaluate("document.fonts.check('16px KaTeX_Main')")).toBe(true);
    expect(fonts.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(root, 'stepview-1400.png'), fullPage: true });

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
    await expect.poll(() => status.textContent()).toMatch(/the view’s copy has taken 1 step\./);
    // a fresh page starts from the run's model: its view's copy has taken no step
    const fresh = await pageWithErrors(studio.browser);
    await fresh.page.goto(`${origin}/`);
    await fresh.page.getByRole('checkbox', { name: /softmax/ }).check();
    await fresh.page.getByRole('button', { name: 'Lay open one training step' }).click();
    await expect
      .poll(() => fresh.page.locator('#step-view').getByRole('status').textContent())
      .toMatch(/^test image 0, .*the view’s copy has taken 0 steps\.$/);
    expect(fresh.errors).toEqual([]);
    await fresh.page.close();
    await page.screenshot({ path: join(root, 'stepview-step-1400.png'), fullPage: true });
    // at 390 px the view fits its column and the page does not scroll sideways
    await page.setViewportSize({ width: 390, height: 900 });
    await page.waitForTimeout(200);
    const fit = await view.evaluate((node) => ({
      overflow: node.scrollWidth - node.clientWidth,
      right: node.getBoundingClientRect().right,
    }));
    expect(fit.overflow).toBeLessThanOrEqual(0);
    expect(fit.right).toBeLessThanOrEqual(390);
    const page390 = await sidewaysScroll(page);
    expect(page390).toBeLessThanOrEqual(0);
    // every formula's lines fit its box: nothing to scroll sideways for
    expect(await formulasTooWide(view)).toEqual([]);
    await view.screenshot({ path: join(root, 'stepview-390.png') });
    // a tile's pixels as [r, g, b, a, …]
    const pixelsOf = (name: string) =>
      view.getByRole('img', { name }).evaluate((node) => {
        // (the test's types know no DOM: the canvas's 2-D context, as far as it is used)
        type Picture = { data: ArrayLike<number> };
        type Context = { getImageData(x: number, y: number, w: number, h: number): Picture };
        const canvas = node as unknown as { getContext(kind: '2d'): Context };
        return Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data);
      });
    // blue positive, red negative, as weights.png: the target's dW = x (p − 1) is red where the
    // digit's ink is, another class's x p blue
    const hue = async (name: string) => {
      const data = await pixelsOf(name);
      let redOverBlue = 0;
      for (let i = 0; i < data.length; i += 4) redOverBlue += data[i] - data[i + 2];
      return redOverBlue > 0 ? 'red' : 'blue';
    };
    expect(await hue('dW of class 0')).toBe('red');
    expect(await hue('dW of class 1')).toBe('blue');
    // dW's zero (the corner, no ink) is white, in dark mode too (as weights.png): small values
    // stay seen against it
    const corner = async () => (await pixelsOf('dW of class 1')).slice(0, 3);
    expect(await corner()).toEqual([255, 255, 255]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.waitForTimeout(200);
    expect(await corner()).toEqual([255, 255, 255]);
    expect(await hue('dW of class 0')).toBe('red');
    await view.screenshot({ path: join(root, 'stepview-dark.png') });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    console.log(`step view screenshots in ${root}`);
  }, 60_000);

  it('a deeper model: the output layer’s dW is written with its input h, the layer named', async () => {
    const { page, errors } = await pageWithErrors(studio.browser);
    await page.goto(studio.url);
    await page.getByRole('checkbox', { name: /deep/ }).check();
    await page.getByRole('button', { name: 'Lay open one training step' }).click();
    const view = page.locator('#step-view');
    await view.getByRole('heading', { name: 'One training step, laid open: run deep' }).waitFor();
    const formula = view.getByRole('math', { name: 'layer 2’s weight gradient and the SGD step' });
    expect(await formula.locator('annotation').textContent()).toMatch(
      /^\\begin\{aligned\}dW\^\{\(2\)\}_\{i,\d\} &= h_i /,
    );
    expect(await view.getByTestId('step-formulas').textContent()).toContain(
      'Layer 2’s weights, which give z: their input h is layer 1’s output for this image',
    );
    // a drawing (a vertical stroke): its class is the model's prediction unless one is picked
    await drawVerticalStroke(page.locator('#draw-canvas'));
    await view.getByRole('button', { name: 'Use my drawing' }).click();
    const status = view.getByRole('status');
    await expect
      .poll(() => status.textContent())
      .toMatch(/^your drawing, target class \d \(the model’s prediction\);/);
    const predicted = Number(/target class (\d)/.exec((await status.textContent())!)![1]);
    const p = await view
      .getByRole('table', { name: /logits z and probabilities p/ })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => Number(row.children[3].textContent)));
    expect(p.indexOf(Math.max(...p))).toBe(predicted);
    expect(errors).toEqual([]);
    await page.close();
  });
});
