// The static studio on threads: the folder `studio --static` writes, served by a plain static
// server once with the cross-origin isolation headers its _headers file names and once without.
// In Chromium the isolated page trains on one thread per core (Web Workers sharing the training
// worker's memory), the other on one; the same run on both gives model.json layers identical
// to each other and to `train`'s with the same options on the same shipped subset. Prints one
// epoch's time on each, side by side. Each run on a page starts threads anew.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, STATIC_TRAIN_DEFAULT } from '../../src/studio/staticSite.js';
import { drawVerticalStroke, haveChromium, launchChromium, pageWithErrors } from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';
import { originOf, staticServer } from './staticServer.js';

const root = temporaryFolder('mnist-softmax-static-threads-');
const site = join(root, 'site');

/** A short run with a hidden layer (large enough that its kernels are shared among threads). */
const RUN = { hidden: '128', optimizer: 'sgd', learningRate: '0.1', epochs: '2', batchSize: '100' };

let browser: Browser;
const plain = { served: [] as string[], server: null as Server | null };
const isolated = { served: [] as string[], server: null as Server | null };

beforeAll(async () => {
  const written = runCli(['studio', '--static', site]);
  if (written.status !== 0) throw new Error(written.stderr);
  plain.server = await staticServer(site, plain.served);
  isolated.server = await staticServer(site, isolated.served, ISOLATION_HEADERS);
  if (haveChromium) browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  plain.server?.close();
  isolated.server?.close();
});

interface Trained {
  isolated: boolean;
  cores: number;
  status: string;
  /** Seconds of each epoch, from the page's table of epochs. */
  epochSeconds: number[];
  model: { layers: unknown };
}

/** Opens the page on `server`, trains RUN, and downloads its model.json. */
async function trainOn(server: Server): Promise<Trained> {
  const { page, errors } = await pageWithErrors(browser);
  const origin = originOf(server);
  const requested: string[] = [];
  page.context().on('request', (request) => requested.push(request.url()));
  await page.goto(`${origin}/`);
  const status = page.locator('#status');
  await expect.poll(() => status.getAttribute('data-state')).toBe('idle');
  await page.getByLabel('Hidden layers').fill(RUN.hidden);
  await page.getByLabel('Optimizer').selectOption(RUN.optimizer);
  await page.getByLabel('Learning rate').fill(RUN.learningRate);
  await page.getByLabel('Epochs').fill(RUN.epochs);
  await page.getByLabel('Batch size').fill(RUN.batchSize);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 120_000 }).toBe('finished');
  const epochSeconds = (
    await page.locator('#epochs-table tbody tr td:nth-child(6)').allTextContents()
  ).map(Number);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download model.json' }).click(),
  ]);
  const file = join(root, `model-${server === isolated.server ? 'isolated' : 'plain'}.json`);
  await download.saveAs(file);
  const trained: Trained = {
    isolated: (await page.evaluate('crossOriginIsolated')) as boolean,
    cores: (await page.evaluate('navigator.hardwareConcurrency')) as number,
    status: (await status.textContent())!,
    epochSeconds,
    model: JSON.parse(readFileSync(file, 'utf8')),
  };
  // every request went to the static server, the threads' scripts included
  for (const url of requested) expect(url.startsWith(`${origin}/`), url).toBe(true);
  expect(errors).toEqual([]);
  await page.close();
  return trained;
}

describe('studio --static on threads', () => {
  it('writes _headers with the isolation headers, for Netlify and Cloudflare Pages', () => {
    expect(readFileSync(join(site, '_headers'), 'utf8')).toBe(
      '/*\n' +
        '  Cross-Origin-Opener-Policy: same-origin\n' +
        '  Cross-Origin-Embedder-Policy: require-corp\n',
    );
  });

  it.skipIf(!haveChromium)(
    'trains on one thread per core where isolated, one otherwise, to the same bits as `train`',
    async () => {
      // one after the other: the machine's cores are the threads'
      const single = await trainOn(plain.server!);
      const threaded = await trainOn(isolated.server!);
      const threads = Math.min(threaded.cores, 64);
      expect(threads).toBeGreaterThan(1);

      expect(single.isolated).toBe(false);
      expect(single.status).toMatch(/, 1 thread\) — finished$/);
      expect(plain.served).not.toContain('/static-thread.js');
      expect(threaded.isolated).toBe(true);
      expect(threaded.status).toMatch(new RegExp(`, ${threads} threads\\) — finished$`));
      expect(isolated.served.filter((path) => path === '/static-thread.js')).toHaveLength(
        threads - 1,
      );

      const layers = JSON.stringify(single.model.layers);
      expect(JSON.stringify(threaded.model.layers)).toBe(layers);

      // `train` with the page's options on the same subset (the first STATIC_TRAIN_DEFAULT images)
      const out = join(root, 'cli-run');
      const cli = runCli([
        'train',
        ...['--train-limit', String(STATIC_TRAIN_DEFAULT), '--hidden', RUN.hidden],
        ...['--optimizer', RUN.optimizer, '--lr', RUN.learningRate, '--lr-schedule', 'constant'],
        ...['--epochs', RUN.epochs, '--batch-size', RUN.batchSize, '--seed', '1'],
        ...['--kernels', 'exact', '--threads', '1', '--out', out, '--no-progress'],
      ]);
      expect(cli.status, cli.stderr).toBe(0);
      const trainedByCli = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
      expect(JSON.stringify(trainedByCli.layers)).toBe(layers);

      const last = (trained: Trained) => trained.epochSeconds[trained.epochSeconds.length - 1];
      console.log(
        `static studio, one epoch (the last of ${RUN.epochs}; hidden ${RUN.hidden}, ` +
          `${STATIC_TRAIN_DEFAULT} images): 1 thread ${last(single).toFixed(2)} s, ` +
          `${threads} threads ${last(threaded).toFixed(2)} s ` +
          `(×${(last(single) / last(threaded)).toFixed(2)})`,
      );
    },
    300_000,
  );

  it.skipIf(!haveChromium)(
    "starts new threads for each run (closing the last run's), and classifies a drawing after",
    async () => {
      const { page, errors } = await pageWithErrors(browser);
      await page.goto(`${originOf(isolated.server!)}/`);
      const status = page.locator('#status');
      const threadScripts = () => isolated.served.filter((path) => path === '/static-thread.js');
      const before = threadScripts().length;
      await page.getByLabel('Hidden layers').fill('64');
      await page.getByLabel('Learning rate').fill('0.1');
      await page.getByLabel('Epochs').fill('1');
      for (let run = 1; run <= 2; run++) {
        await page.getByRole('button', { name: 'Start' }).click();
        await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/threads\)/);
        await expect
          .poll(() => status.getAttribute('data-state'), { timeout: 120_000 })
          .toBe('finished');
      }
      const threads = Math.min(
        (await page.evaluate('navigator.hardwareConcurrency')) as number,
        64,
      );
      expect(threadScripts().length - before).toBe(2 * (threads - 1));

      // a vertical stroke, classified by the second run's network (a digit, whichever)
      await drawVerticalStroke(page.locator('#draw-canvas'));
      await expect.poll(() => page.locator('#prediction').textContent()).toMatch(/^[0-9]$/);
      expect(errors).toEqual([]);
      await page.close();
    },
    300_000,
  );
});
