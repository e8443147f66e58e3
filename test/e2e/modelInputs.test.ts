// Errors that point to the fix: `--model RUN_FOLDER` reads the folder's model.json (a folder
// without one is named as such), and an image that is not a PNG is named by what it is.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPngGrey } from '../../src/data/png.js';
import { readModelFile, serializeModel } from '../../src/model/modelFile.js';
import { ReferenceEngine } from '../../src/model/referenceEngine.js';
import { MNIST_INPUT, softmaxRegression } from '../../src/model/network.js';
import { Random } from '../../src/random.js';
import { MNIST, runCli, temporaryFolder } from '../helpers.js';

const folder = temporaryFolder();
const run = join(folder, 'run');
mkdirSync(run);
const engine = new ReferenceEngine();
const network = softmaxRegression(MNIST_INPUT, MNIST.classes, 'xavier', new Random(3), engine);
writeFileSync(join(run, 'model.json'), serializeModel(network, {}));

describe('--model', () => {
  it('reads a run folder’s model.json', async () => {
    const model = await readModelFile(run, engine);
    expect(serializeModel(model.network, {})).toBe(serializeModel(network, {}));
    const result = runCli(['predict', '--model', run, '--index', '0']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^test image 0: \d \(true label 7\)/);
  });

  it('names a folder with no model.json and says what to give', async () => {
    const empty = join(folder, 'empty');
    mkdirSync(empty);
    await expect(readModelFile(empty, engine)).rejects.toThrow(
      `${empty} is a folder with no model.json: give the model.json that train wrote`,
    );
    const result = runCli(['eval', '--model', empty]);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/is a folder with no model\.json/);
  });
});

describe('an image that is not a PNG', () => {
  const cases: [string, Buffer, string][] = [
    [
      'photo.jpg',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]),
      'a JPEG image',
    ],
    ['anim.gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'a GIF image'],
    ['pic.webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'), 'a WebP image'],
    ['empty.png', Buffer.alloc(0), 'an empty file'],
    ['text.png', Buffer.from('hello, world'), "its first bytes are not PNG's signature"],
  ];

  it.each(cases)('%s is named by what it is, and only PNG is read', (name, bytes, what) => {
    const file = join(folder, name);
    writeFileSync(file, bytes);
    expect(() => readPngGrey(file)).toThrow(
      `${file}: not a readable PNG image: ${what} (only PNG is read`,
    );
  });

  it('predict says so in one line, exit code 3', () => {
    const file = join(folder, 'photo.jpg');
    const result = runCli(['predict', '--model', run, file]);
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toBe(
      `mnist-softmax: error: ${file}: not a readable PNG image: a JPEG image (only PNG is read; convert it to PNG first)`,
    );
  });
});
