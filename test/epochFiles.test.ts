// An epoch's files committed as a run commits them (src/run/runFolder.ts), model.json and
// checkpoint.json written into their files as they are formatted: the files read back as the
// network's, and an epoch whose files cannot all be made leaves the folder at the epoch before.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { Dense } from '../src/model/layers.js';
import { parseModel, serializeModel, writeModel } from '../src/model/modelFile.js';
import { buildNetwork, MNIST_INPUT } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import type { TextBytes } from '../src/model/textBytes.js';
import { Random } from '../src/random.js';
import { checkpointFile, readCheckpoint } from '../src/run/checkpoint.js';
import { openRunFolder } from '../src/run/runFolder.js';
import { temporaryFolder } from './helpers.js';

const CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const engine = new ReferenceEngine();
const network = buildNetwork(
  MNIST_INPUT,
  CLASSES,
  { hidden: [32], batchnorm: true, activation: 'relu', init: 'he' },
  new Random(3),
  engine,
);
const state = {
  epoch: 1,
  step: 600,
  randomState: 12345,
  order: Uint32Array.from({ length: 1000 }, (_, i) => (i * 7) % 1000),
  optimizer: { t: 600, arrays: network.layers.flatMap((layer) => layer.state()) },
};
const data = { count: 1000, fingerprint: 'f' };

function epochFiles(epoch: number, model: (out: TextBytes) => void) {
  return [
    ['model.json', model],
    checkpointFile({ epochs: 2 }, 'reference', data, { ...state, epoch }, network),
    ['metrics.json', `{"epochsRun": ${epoch}}\n`],
  ] as [string, string | ((out: TextBytes) => void)][];
}

describe("an epoch's files", () => {
  it('are the network, streamed into model.json and checkpoint.json, and read back', () => {
    const folder = openRunFolder(temporaryFolder());
    folder.epochFiles.open();
    folder.epochFiles.commit(
      1,
      epochFiles(1, (out) => writeModel(out, network, { note: 1 })),
    );
    const text = readFileSync(join(folder.path, 'model.json'), 'utf8');
    expect(text).toBe(serializeModel(network, { note: 1 }));
    const read = parseModel(text, 'model.json', engine).network;
    expect((read.layers[0] as Dense).weights).toEqual((network.layers[0] as Dense).weights);
    const checkpoint = readCheckpoint(folder.path);
    expect(checkpoint.state.order).toEqual(state.order);
    expect(checkpoint.arrays).toEqual(network.layers.flatMap((layer) => layer.state()));
    folder.release();
  });

  it('that cannot all be made leave the epoch before, and say why', () => {
    const folder = openRunFolder(temporaryFolder());
    folder.epochFiles.open();
    folder.epochFiles.commit(
      1,
      epochFiles(1, (out) => writeModel(out, network, { note: 1 })),
    );
    const broken = (out: TextBytes) => {
      out.text('{"format": ');
      out.floats(Float32Array.of(1, NaN));
    };
    const commit = () => folder.epochFiles.commit(2, epochFiles(2, broken));
    expect(commit).toThrow('cannot write NaN into a model file');
    expect(commit).not.toThrow(UserError); // a bug, not the folder's fault
    expect(readFileSync(join(folder.path, 'model.json'), 'utf8')).toBe(
      serializeModel(network, { note: 1 }),
    );
    expect(readCheckpoint(folder.path).state.epoch).toBe(1);
    expect(readFileSync(join(folder.path, 'metrics.json'), 'utf8')).toBe('{"epochsRun": 1}\n');
    folder.release();
  });
});
