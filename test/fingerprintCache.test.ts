// The data fingerprint cache (src/data/fingerprintCache.ts): real MNIST images through the real
// loader, in a data folder of their own that the tests change; a cache file of each test's own.

import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, loadDataset, resolveDataSource, type Dataset } from '../src/data/dataset.js';
import { cachedFingerprint } from '../src/data/fingerprintCache.js';
import type { ResolvedOptions } from '../src/run/optionRules.js';
import { withValidation } from '../src/run/runConfig.js';
import { MNIST, temporaryFolder, writeDataFolder } from './helpers.js';

/** A data folder of the first 2000 MNIST test images (as training and test split). */
async function dataFolder(): Promise<string> {
  const mnist = await loadDataset(MNIST, { testOnly: true, testLimit: 2000 });
  const { images, labels } = mnist.test;
  return writeDataFolder(temporaryFolder(), 28, 28, { pixels: images, labels });
}

const load = (folder: string) => loadDataset(resolveDataSource(folder));

/** The training split's fingerprint through the cache, and whether it was computed. */
function throughCache(data: Dataset, cacheFile: string) {
  let computed = false;
  const value = cachedFingerprint(
    data.stamps!.train,
    () => {
      computed = true;
      return fingerprint(data.train);
    },
    cacheFile,
  );
  return { value, computed };
}

describe('the data fingerprint cache', () => {
  it('gives the computed fingerprint, and the second time without hashing', async () => {
    const folder = await dataFolder();
    const cacheFile = join(temporaryFolder(), 'cache', 'fingerprints.json');
    const data = await load(folder);
    expect(data.stamps!.train).toContain(join(folder, 'train-images-idx3-ubyte'));
    const first = throughCache(data, cacheFile);
    expect(first).toEqual({ value: fingerprint(data.train), computed: true });
    const second = throughCache(await load(folder), cacheFile);
    expect(second).toEqual({ value: first.value, computed: false });
    // the test split has an entry of its own
    const test = cachedFingerprint(data.stamps!.test, () => fingerprint(data.test), cacheFile);
    expect(test).toBe(fingerprint(data.test));
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')))).toHaveLength(2);
  });

  it('hashes a file again when it changes, same size, new modification time', async () => {
    const folder = await dataFolder();
    const cacheFile = join(temporaryFolder(), 'fingerprints.json');
    const before = throughCache(await load(folder), cacheFile);
    const file = join(folder, 'train-images-idx3-ubyte');
    const bytes = readFileSync(file);
    bytes[16 + 28 * 14 + 14] ^= 0xff; // a pixel in the middle of the first image
    const { size, mtimeMs } = statSync(file);
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(mtimeMs + 5000));
    expect(statSync(file).size).toBe(size);
    const changed = await load(folder);
    const after = throughCache(changed, cacheFile);
    expect(after).toEqual({ value: fingerprint(changed.train), computed: true });
    expect(after.value).not.toBe(before.value);
  });

  it('computes the fingerprint at once where the cache cannot be made (under /proc)', async () => {
    // Node's recursive mkdir never returns there, and a signal's handler cannot run meanwhile
    const data = await load(await dataFolder());
    const started = Date.now();
    const result = throughCache(data, '/proc/no-such-cache/mnist-softmax/fingerprints.json');
    expect(result).toEqual({ value: fingerprint(data.train), computed: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ignores a damaged cache file, and writes a good one in its place', async () => {
    const folder = await dataFolder();
    const cacheFile = join(temporaryFolder(), 'fingerprints.json');
    const data = await load(folder);
    for (const damaged of ['{"sha256', '[1,2]', 'null', `{"x": 1}`, '\u0000\u0001']) {
      writeFileSync(cacheFile, damaged);
      expect(throughCache(data, cacheFile)).toEqual({
        value: fingerprint(data.train),
        computed: true,
      });
      expect(throughCache(data, cacheFile).computed).toBe(false);
    }
    // an entry for this key that is not a fingerprint is not taken for one
    const [key] = Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')));
    writeFileSync(cacheFile, JSON.stringify({ [key]: 'not a fingerprint' }));
    expect(throughCache(data, cacheFile).value).toBe(fingerprint(data.train));
  });

  it('keys a held-out training split by its fraction and seed', async () => {
    const folder = await dataFolder();
    const cacheFile = join(temporaryFolder(), 'fingerprints.json');
    const options = (valSplit: number, seed: number) =>
      ({ valSplit, seed }) as unknown as ResolvedOptions;
    const whole = await load(folder);
    const values = [options(0, 1), options(0.1, 1), options(0.1, 2), options(0.2, 1)].map(
      (option) => {
        const data = withValidation(whole, option);
        const { value } = throughCache(data, cacheFile);
        expect(value).toBe(fingerprint(data.train));
        return value;
      },
    );
    expect(new Set(values).size).toBe(4);
  });

  it('does not cache a split whose files changed while they were read', () => {
    let calls = 0;
    const compute = () => (calls++, '0123456789abcdef');
    const cacheFile = join(temporaryFolder(), 'fingerprints.json');
    cachedFingerprint(null, compute, cacheFile);
    cachedFingerprint(null, compute, cacheFile);
    expect(calls).toBe(2);
  });
});
