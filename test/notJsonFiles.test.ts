// A file a user names that is not JSON (a PNG given for a model, say) is refused in one line
// that says what the file should have been, never quoting its bytes: model.json, checkpoint.json,
// step.json and a run's metrics.json (what compare reads) alike.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeGreyPng } from '../src/data/png.js';
import { readModelFile } from '../src/model/modelFile.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { readCheckpoint } from '../src/run/checkpoint.js';
import { readRun } from '../src/run/runReader.js';
import { parseStepFile } from '../src/run/stepFile.js';
import { temporaryFolder } from './helpers.js';

/** A real PNG: its signature's bytes 0x89 and \r\n, then binary chunks. */
const PNG = encodeGreyPng(new Uint8Array(28 * 28).fill(200), 28, 28);

/** The message of what `read` throws. */
async function refusal(read: () => unknown): Promise<string> {
  try {
    await read();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe('a file that is not JSON', () => {
  const folder = temporaryFolder();
  const png = join(folder, 'one.png');
  writeFileSync(png, PNG);

  it('is named, with what it should have been, in one line of plain text', async () => {
    const run = join(folder, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'checkpoint.json'), PNG);
    writeFileSync(join(run, 'metrics.json'), PNG);
    writeFileSync(join(run, 'events.jsonl'), '');
    const messages = [
      await refusal(() => readModelFile(png, new ReferenceEngine())),
      await refusal(() => readCheckpoint(run)),
      await refusal(() => parseStepFile(readFileSync(png, 'utf8'), png)),
      await refusal(() => readRun(run)),
    ];
    expect(messages).toEqual([
      `${png}: not a model file (not JSON)`,
      `--resume ${run}: checkpoint.json: not a checkpoint (not JSON)`,
      `${png}: not a step file (not JSON)`,
      `${join(run, 'metrics.json')}: not a run's summary (not JSON)`,
    ]);
  });
});
