// `mnist-softmax export`: a saved model for TensorFlow.js, or its weights as a picture.

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, UsageError, UserError } from '../errors.js';
import { readModelFile } from '../model/modelFile.js';
import { weightsPng, weightTiles } from '../report/weights.js';
import { createFolder, writeFileAtomic } from '../train/runFiles.js';

export interface ExportOptions {
  model: string;
  tfjs?: string;
  png?: string;
  force?: boolean;
}

/**
 * Nothing is overwritten unasked: never the source model, and an existing file or a folder that
 * holds files only with --force. Checked before anything is read or written.
 */
function checkTargets(options: ExportOptions): void {
  const source = resolve(options.model);
  const refuse = (option: string, what: string): never => {
    throw new UserError(`${option}: ${what}`, EXIT.input);
  };
  if (options.png) {
    if (resolve(options.png) === source) refuse(`--png ${options.png}`, 'is the source model');
    if (existsSync(options.png) && !options.force) {
      refuse(`--png ${options.png}`, 'already exists; pass --force to overwrite it');
    }
  }
  if (options.tfjs) {
    const targets = ['model.json', 'weights.bin'].map((name) => resolve(options.tfjs!, name));
    if (targets.includes(source)) {
      refuse(`--tfjs ${options.tfjs}`, `would overwrite the source model ${options.model}`);
    }
    let files: string[] = [];
    try {
      files = readdirSync(options.tfjs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') refuse(`--tfjs ${options.tfjs}`, 'exists and is not a folder');
    }
    if (files.length > 0 && !options.force) {
      refuse(`--tfjs ${options.tfjs}`, 'already holds files; pass --force to write into it');
    }
  }
}

export async function exportCommand(options: ExportOptions): Promise<void> {
  if (!options.tfjs && !options.png) throw new UsageError('export needs --tfjs DIR or --png FILE');
  checkTargets(options);
  const { network } = await readModelFile(options.model);
  if (options.png) {
    const png = weightsPng(weightTiles(network), network.input.height, network.input.width);
    writeFileAtomic(options.png, png);
    console.error(`weights picture written to ${options.png}`);
  }
  if (options.tfjs) {
    const { loadTfjs } = await import('../check/tfjs.js');
    const { tfjsArtifacts } = await import('../check/tfjsExport.js');
    const { tf } = await loadTfjs();
    try {
      createFolder(options.tfjs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(`--tfjs ${options.tfjs}: cannot create the folder (${code})`, EXIT.input);
    }
    const files = await tfjsArtifacts(tf, network);
    // weights first: a model.json is only ever there with its weights
    writeFileAtomic(join(options.tfjs, 'weights.bin'), files['weights.bin']);
    writeFileAtomic(join(options.tfjs, 'model.json'), files['model.json']);
    console.error(
      `TensorFlow.js LayersModel written to ${options.tfjs} (model.json, weights.bin); ` +
        `its input is pixel × ${network.input.scale} + ${network.input.offset}`,
    );
  }
}
