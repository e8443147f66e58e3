import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTfjs } from '../../src/check/tfjs.js';
import { loadExported } from '../../src/check/tfjsExport.js';
import { loadDataset } from '../../src/data/dataset.js';
import { readPngGrey } from '../../src/data/png.js';
import { serializeModel } from '../../src/model/modelFile.js';
import { buildNetwork, MNIST_INPUT, type Architecture } from '../../src/model/network.js';
import { ReferenceEngine } from '../../src/model/referenceEngine.js';
import { Random } from '../../src/random.js';
import { OPTIMIZER_DEFAULTS } from '../../src/train/optimizers.js';
import { train } from '../../src/train/trainer.js';
import { chartsOf, haveChromium, launchChromium, pageWithErrors } from '../browser.js';
import { MNIST, runCli, temporaryFolder } from '../helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 3000, testLimit: 300 });
const folder = temporaryFolder();
const reference = new ReferenceEngine();

async function trainedModelFile(architecture: Architecture, name: string) {
  const network = buildNetwork(MNIST_INPUT, MNIST.classes, architecture, new Random(2), reference);
  await train(network, data, {
    epochs: 1,
    batchSize: 100,
    learningRate: 0.002,
    seed: 2,
    shuffle: true,
    optimizer: { ...OPTIMIZER_DEFAULTS, name: 'adam' },
  });
  const file = join(folder, name);
  writeFileSync(file, serializeModel(network, {}));
  return { network, file };
}

describe('export --tfjs', () => {
  const architectures: [string, Architecture][] = [
    ['softmax regression', { hidden: [], activation: 'relu', batchnorm: false, init: 'zeros' }],
    [
      '784-32-16-10 with BatchNorm and sigmoid',
      { hidden: [32, 16], activation: 'sigmoid', batchnorm: true, init: 'auto' },
    ],
  ];
  for (const [name, architecture] of architectures) {
    it(`${name}: tf.loadLayersModel reads it and predicts exactly like the original`, async () => {
      const { network, file } = await trainedModelFile(architecture, `${name.length}.json`);
      const out = join(folder, `tfjs-${name.length}`);
      const result = runCli(['export', '--model', file, '--tfjs', out]);
      expect(result.status).toBe(0);
      const { tf } = await loadTfjs();
      const model = await loadExported(tf, out, (f) => readFile(f));
      const count = 300;
      const x = Float32Array.from(data.test.images.subarray(0, count * 784), (p) => p / 255);
      const theirs = tf.tidy(() =>
        (model.predict(tf.tensor2d(x, [count, 784])) as ReturnType<typeof tf.tensor>).dataSync(),
      );
      const ours = network.predict(x, count);
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      for (let n = 0; n < count; n++) {
        const row = (values: ArrayLike<number>) =>
          Array.from({ length: 10 }, (_, j) => values[n * 10 + j]);
        expect(row(theirs).indexOf(Math.max(...row(theirs)))).toBe(
          row(ours).indexOf(Math.max(...row(ours))),
        );
      }
      model.dispose();
    });
  }
});

describe('export --png', () => {
  it('writes one labelled tile per class', async () => {
    const { file } = await trainedModelFile(
      { hidden: [], activation: 'relu', batchnorm: false, init: 'zeros' },
      'regression.json',
    );
    const png = join(folder, 'weights.png');
    expect(runCli(['export', '--model', file, '--png', png]).status).toBe(0);
    const image = readPngGrey(png);
    // 5 columns × (112 px tiles + 8 px gaps) + 8; 2 rows × (112 + 16 label + 8) + 8
    expect([image.width, image.height]).toEqual([608, 280]);
  });

  it('needs --tfjs or --png', () => {
    const result = runCli(['export', '--model', join(folder, 'regression.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--tfjs DIR or --png FILE/);
  });
});

describe('the run report', () => {
  const out = join(temporaryFolder(), 'run');
  const result = runCli([
    'train',
    '--hidden',
    '24',
    '--batchnorm',
    '--optimizer',
    'adam',
    '--epochs',
    '2',
    '--train-limit',
    '3000',
    '--test-limit',
    '500',
    '--no-progress',
    '--out',
    out,
  ]);

  it('train writes weights.png, curves.svg and report.html, and charts the test accuracy', () => {
    expect(result.status).toBe(0);
    for (const file of ['weights.png', 'curves.svg', 'report.html'])
      expect(existsSync(join(out, file))).toBe(true);
    expect(result.stdout).toMatch(
      /test accuracy per epoch \(axis from (\d+(?:\.\d+)?%) to (\d+(?:\.\d+)?%)\):\n +\1\s+\2\n1 ·*●·* .*%\n2 ·*●·* .*%/,
    );
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="https?:/); // self-contained
    expect(html).not.toMatch(/<script[^>]* src=/);
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toMatch(
      /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
  });

  it.skipIf(!haveChromium)(
    'renders in headless Chromium without errors, with its images',
    async () => {
      const browser = await launchChromium();
      try {
        const { page, errors } = await pageWithErrors(browser);
        await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
        const images = await page.$$eval('img', (all) =>
          all.map((img) => ({ complete: img.complete, width: img.naturalWidth })),
        );
        expect(images.length).toBeGreaterThan(2); // the weights and misclassified digits
        for (const image of images) expect(image.complete && image.width > 0).toBe(true);
        const charts = await chartsOf(page);
        expect(charts.map((chart) => [chart.name, chart.lines])).toEqual([
          ['loss', 2],
          ['accuracy', 2],
          ['gradient-norms', 2],
          ['saturation', 1],
        ]);
        for (const chart of charts) expect(chart.inked).toBeGreaterThan(500);
        const config = await page.$$eval('table.config tr', (rows) =>
          Object.fromEntries(
            rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent]),
          ),
        );
        expect(config).toMatchObject({
          data: 'mnist',
          hidden: '24',
          preset: '–',
          batchnorm: 'true',
        });
        expect(await page.$$eval('table.confusion td', (cells) => cells.length)).toBe(100);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
