// Hostile and odd inputs, made here: each refused in one line, with a meaningful exit code, no
// stack trace, nothing written, and quickly (sizes are checked before the work), or, for odd but
// valid input, handled sensibly.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeGreyPng } from '../../src/data/png.js';
import { Random } from '../../src/random.js';
import { mutateJson, ROOT, runCli, temporaryFolder, writeDataFolder } from '../helpers.js';

const folder = temporaryFolder();
const model = join(folder, 'run', 'model.json');
const trained = runCli([
  'train',
  '--steps',
  '50',
  '--train-limit',
  '5000',
  '--test-limit',
  '100',
  '--no-progress',
  '--out',
  join(folder, 'run'),
]);
if (trained.status !== 0) throw new Error(trained.stderr);

/** A PNG that is only a signature and a header declaring width × height. */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  header.writeUInt8(8, 24); // bit depth 8, grey, no interlace; the CRC is left zero
  return header;
}

/**
 * Runs the CLI and checks the refusal: one line, its exit code, no stack trace, quickly, in
 * bounded memory (what loading MNIST takes, not what the refused work would have).
 */
function refused(args: string[], code: number, message: RegExp) {
  const started = performance.now();
  const result = runCli(args, { measure: true });
  const seconds = (performance.now() - started) / 1000;
  expect(result.maxRssMB).toBeLessThan(600);
  expect(result.status).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(seconds).toBeLessThan(10);
  return result;
}

describe('images', () => {
  it('refuses a PNG that declares more pixels than it may, before decoding it', () => {
    const file = join(folder, 'huge.png');
    writeFileSync(file, pngHeader(30000, 30000));
    refused(
      ['predict', '--model', model, file],
      3,
      /huge\.png: a PNG of 30000×30000 pixels, more than the 25000000/,
    );
  });

  it('refuses a PNG of width 0', () => {
    const file = join(folder, 'empty.png');
    writeFileSync(file, pngHeader(0, 28));
    refused(
      ['predict', '--model', model, file],
      3,
      /empty\.png: a PNG of 0×28 pixels has no pixels/,
    );
  });

  it('predicts a blank image, with a warning that it means nothing', () => {
    const file = join(folder, 'blank.png');
    writeFileSync(file, encodeGreyPng(new Uint8Array(50 * 50).fill(255), 50, 50));
    const result = runCli(['predict', '--model', model, file]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`warning: ${file}: no ink found (a blank image)`);
  });
});

describe('files that are not regular files', () => {
  it('refuses a FIFO at once, where it would wait forever for a writer', () => {
    const fifo = join(folder, 'fifo');
    execFileSync('mkfifo', [fifo]);
    refused(['inspect', fifo], 3, /fifo: not a regular file$/);
    refused(['predict', '--model', model, fifo], 3, /fifo: not a regular file$/);
    refused(['eval', '--model', fifo], 3, /fifo: not a regular file$/);
    refused(['predict', '--model', model, folder], 3, /: not a regular file$/);
  });
});

describe('data', () => {
  it('refuses a training set of no images', () => {
    const data = writeDataFolder(
      join(folder, 'empty-data'),
      28,
      28,
      { pixels: new Uint8Array(0), labels: new Uint8Array(0) },
      { pixels: new Uint8Array(784), labels: new Uint8Array(1) },
    );
    const out = join(folder, 'never');
    refused(
      ['train', '--data', data, '--out', out],
      3,
      /train-images-idx3-ubyte: holds no images to train on/,
    );
    expect(existsSync(join(out, 'model.json'))).toBe(false);
  });

  it('trains a batch larger than the data on the data, with a note', () => {
    const result = runCli([
      'train',
      '--batch-size',
      '100000000',
      '--train-limit',
      '500',
      '--test-limit',
      '100',
      '--steps',
      '2',
      '--no-progress',
      '--out',
      join(folder, 'big-batch'),
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'warning: --batch-size 100000000 is more than the 500 training images: batches of 500',
    );
  });
});

describe('sizes known before the work', () => {
  it('refuses a network whose model.json or whose training would not fit, before training', () => {
    refused(
      ['train', '--hidden', '100000', '--out', join(folder, 'wide')],
      2,
      /--hidden 100000: a network of 784-100000-10: 79,500,010 parameters, whose model.json would take about 910 MB \(at most 400 MB\)/,
    );
    refused(
      ['train', '--hidden', '4000', '--batch-size', '60000', '--out', join(folder, 'big')],
      2,
      /--hidden 4000 --batch-size 60000: .* would take about \d+ MB to train \(at most 3072 MB\)/,
    );
    // the second is refused once the data is loaded, in a folder it made: which it takes away
    expect(existsSync(join(folder, 'wide'))).toBe(false);
    expect(existsSync(join(folder, 'big'))).toBe(false);
  });

  it('trains images too large for sparse rows on the wasm engine, as dense rows', () => {
    const side = 300; // 90,000 pixels: more than sparse rows' 16-bit indices reach
    const pixels = new Uint8Array(4 * side * side);
    for (let i = 0; i < pixels.length; i += 7) pixels[i] = (i * 31) % 256;
    const split = { pixels, labels: Uint8Array.from([0, 1, 2, 3]) };
    const data = writeDataFolder(join(folder, 'large-images'), side, side, split);
    const result = runCli([
      'train',
      '--data',
      data,
      '--epochs',
      '1',
      '--no-progress',
      '--out',
      join(folder, 'large'),
    ]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
  });
});

describe('file systems', () => {
  // a read-only mount needs root (CI and this machine's sessions have it); elsewhere it skips
  const mount = join(temporaryFolder(), 'read-only');
  mkdirSync(mount);
  const mounted =
    spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mount]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mount]);
  });

  it.skipIf(!mounted)('names a read-only file system as such (EROFS), not ENOENT', () => {
    refused(
      ['train', '--epochs', '1', '--out', join(mount, 'runs', 'one')],
      3,
      /--out .*: cannot be created or written \(EROFS\)/,
    );
  });
});

describe('options and text that lead to nonsense', () => {
  it('refuses an Adam epsilon that float32 holds as 0', () => {
    refused(
      ['train', '--adam-epsilon', '1e-300'],
      2,
      /--adam-epsilon must be at least 1e-30, not 1e-300/,
    );
  });

  it('refuses class names with control characters (escape sequences would reach the terminal)', () => {
    const text = readFileSync(model, 'utf8').replace(
      '"classes": ["0"',
      '"classes": ["\\u001b[2J0"',
    );
    const file = join(folder, 'escapes.json');
    writeFileSync(file, text);
    refused(
      ['predict', '--model', file, '--index', '0'],
      3,
      /escapes\.json: class name 0 holds control characters: "\\u001b\[2J0"/,
    );
  });

  it('draws no progress bar on a dumb terminal', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/mnist-softmax.js'),
        'train',
        '--steps',
        '5',
        '--train-limit',
        '500',
        '--test-limit',
        '50',
        '--out',
        join(folder, 'dumb'),
      ],
      { encoding: 'utf8', env: { ...process.env, TERM: 'dumb' } },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('\u001b['); // no cursor control
  });

  it('inspect shows the header of an IDX file of no images', () => {
    const file = join(folder, 'none-idx3-ubyte');
    const bytes = Buffer.alloc(16);
    [0x803, 0, 28, 28].forEach((field, i) => bytes.writeUInt32BE(field, 4 * i));
    writeFileSync(file, bytes);
    const result = runCli(['inspect', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('type u8, dims 0×28×28, no images');
  });
});

describe('a model.json that does not fit the data', () => {
  it('a 2-class model on MNIST is refused by eval and predict --index alike', () => {
    const file = join(folder, 'two-classes.json');
    const model = {
      format: 'mnist-softmax-model',
      version: 1,
      input: { height: 28, width: 28, scale: 1 / 255, offset: 0 },
      classes: ['a', 'b'],
      layers: [
        {
          type: 'dense',
          inputs: 784,
          outputs: 2,
          weights: Array.from({ length: 784 }, () => [0, 0]),
          bias: [0, 0],
        },
        { type: 'softmax' },
      ],
    };
    writeFileSync(file, JSON.stringify(model));
    const message =
      /--data mnist: images of 28×28 in 10 classes, but the model .*two-classes\.json takes 28×28 in 2$/;
    refused(['eval', '--model', file, '--data', 'mnist'], 3, message);
    refused(['predict', '--model', file, '--index', '0', '--data', 'mnist'], 3, message);
  });
});

describe('checkpoint.json', () => {
  /** A run of one epoch on a small data folder of its own, and a copy to spoil. */
  function interruptedRun(engine = 'wasm') {
    const base = temporaryFolder();
    const random = new Random(3);
    const split = (count: number) => ({
      pixels: Uint8Array.from({ length: count * 784 }, () => (random.next() < 0.2 ? 200 : 0)),
      labels: Uint8Array.from({ length: count }, (_, n) => n % 10),
    });
    const data = writeDataFolder(join(base, 'data'), 28, 28, split(300), split(50));
    const out = join(base, 'run');
    const args = ['--data', data, '--epochs', '1', '--engine', engine, '--no-progress'];
    const result = runCli(['train', ...args, '--out', out]);
    if (result.status !== 0) throw new Error(result.stderr);
    return { base, data, out, split };
  }

  it('refuses values the command line refuses, and damaged fields, naming them', () => {
    const { out } = interruptedRun();
    const file = join(out, 'checkpoint.json');
    const original = readFileSync(file, 'utf8');
    const cases: [(c: Record<string, never>) => void, RegExp][] = [
      [
        (c) => ((c.options as Record<string, unknown>).lr = -1),
        /checkpoint\.json: --lr must be above 0/,
      ],
      [
        (c) => ((c.options as Record<string, unknown>).engine = 'gpu'),
        /checkpoint\.json: --engine/,
      ],
      [
        (c) => ((c.state as Record<string, unknown>).epoch = -3),
        /"state.epoch" is not a whole number ≥ 1/,
      ],
      [(c) => delete (c.state as Record<string, unknown>).order, /"state.order" is not base64/],
      [
        (c) => ((c.arrays as string[])[0] = 'AACAfw=='),
        /"arrays\[0\]" holds a value that is not finite/,
      ],
      [
        (c) => ((c.options as Record<string, unknown>).colour = 'red'),
        /"colour" is not a train option/,
      ],
    ];
    for (const [spoil, message] of cases) {
      const checkpoint = JSON.parse(original);
      spoil(checkpoint);
      writeFileSync(file, JSON.stringify(checkpoint));
      refused(['train', '--resume', out, '--epochs', '2', '--no-progress'], 3, message);
    }
  });

  it('refuses to resume on training data that changed since', () => {
    const { data, out, split } = interruptedRun();
    for (const count of [300, 200, 400]) {
      writeDataFolder(data, 28, 28, split(count), split(50)); // other images, maybe as many
      refused(
        ['train', '--resume', out, '--epochs', '2', '--no-progress'],
        3,
        /the training data differ from the run's \(300 images, fingerprint [0-9a-f]{16}; now \d+, [0-9a-f]{16}\)/,
      );
    }
  });

  for (const engine of ['wasm', 'reference']) {
    it(`fuzz: a mutated checkpoint resumes or is refused in one line, never an internal error (${engine})`, () => {
      const { out } = interruptedRun(engine);
      const file = join(out, 'checkpoint.json');
      const original = readFileSync(file, 'utf8');
      const random = new Random(engine === 'wasm' ? 11 : 12);
      const statuses = new Set<number>();
      for (let k = 0; k < 15; k++) {
        writeFileSync(file, mutateJson(original, random));
        const result = runCli(['train', '--resume', out, '--epochs', '2', '--no-progress']);
        statuses.add(result.status!);
        expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
        expect([0, 2, 3]).toContain(result.status);
        if (result.status !== 0) {
          // the run's header and warnings may come first; the error is one line, the last
          const lines = result.stderr.trim().split('\n');
          expect(lines[lines.length - 1]).toMatch(/^mnist-softmax: error: /);
        }
        // a resume that ran leaves a finished run; start the next mutation from the original
        writeFileSync(file, original);
      }
      expect(statuses.has(3)).toBe(true);
    });
  }
});
