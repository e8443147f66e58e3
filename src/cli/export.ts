// `mnist-softmax export`: a saved model for TensorFlow.js, or its weights as a picture.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError, UserError } from '../errors.js';
import { readModelFile } from '../model/modelFile.js';
import { weightsPng, weightTiles } from '../report/weights.js';
import { writeFileAtomic } from '../train/runFiles.js';

export interface ExportOptions {
  model: string;
  tfjs?: string;
  png?: string;
}

export async function exportCommand(options: ExportOptions): Promise<void> {
  if (!options.tfjs && !options.png) throw new UsageError('export needs --tfjs DIR or --png FILE');
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
      mkdirSync(options.tfjs, { recursive: true });
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
