// `mnist-softmax export`: a saved model for TensorFlow.js, or its weights as a picture.

import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, UsageError, UserError } from '../errors.js';
import { readModelFile } from '../model/modelFile.js';
import { ReferenceEngine } from '../model/referenceEngine.js';
import { weightsPng, weightTiles } from '../report/weights.js';
import { writeFileAtomic, writeFolderAtomic } from '../run/runFiles.js';
import { factor, significant } from '../numbers.js';
import { columnsOf, wrap } from './format.js';

export interface ExportOptions {
  model: string;
  tfjs?: string;
  png?: string;
  force?: boolean;
}

/** What `export --tfjs` writes: the folder holds these and nothing else. */
const TFJS_FILES = ['model.json', 'weights.bin'];

/**
 * Nothing is overwritten unasked: never the source model, and an existing file or a folder that
 * holds files only with --force (which replaces a folder only if it holds an export). Checked before anything is read or written.
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
    const targets = TFJS_FILES.map((name) => resolve(options.tfjs!, name));
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
      refuse(`--tfjs ${options.tfjs}`, 'already holds files; pass --force to replace it');
    }
    // --force replaces the folder whole: only one that holds an export, never anything else
    const others = files.filter((name) => !TFJS_FILES.includes(name));
    if (others.length > 0) {
      refuse(
        `--tfjs ${options.tfjs}`,
        `holds files an export did not write (${others.slice(0, 3).join(', ')}` +
          `${others.length > 3 ? ', …' : ''}); name a new or empty folder`,
      );
    }
  }
}

export async function exportCommand(options: ExportOptions): Promise<void> {
  if (!options.tfjs && !options.png) throw new UsageError('export needs --tfjs DIR or --png FILE');
  checkTargets(options);
  // the weights are only read: plain arrays (the reference engine) hold them
  const { network } = await readModelFile(options.model, new ReferenceEngine());
  if (options.png) {
    const png = weightsPng(weightTiles(network), network.input.height, network.input.width);
    writeFileAtomic(options.png, png);
    console.error(wrap(`weights picture written to ${options.png}`, columnsOf(process.stderr)));
  }
  if (options.tfjs) {
    const { loadTfjs } = await import('../check/tfjs.js');
    const { tfjsArtifacts } = await import('../check/tfjsExport.js');
    const { tf } = await loadTfjs();
    // the folder whole or not at all: an interrupted export leaves no model.json without weights
    writeFolderAtomic(options.tfjs, await tfjsArtifacts(tf, network), Boolean(options.force));
    const written =
      `TensorFlow.js LayersModel written to ${options.tfjs} (model.json, weights.bin); ` +
      `its input is pixel × ${factor(network.input.scale)}` +
      (network.input.offset ? ` + ${significant(network.input.offset)}` : '');
    console.error(wrap(written, columnsOf(process.stderr)));
  }
}
