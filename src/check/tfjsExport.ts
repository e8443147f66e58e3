// A network as a TensorFlow.js LayersModel: built with tfjs' own layers, given our weights, and
// saved through tfjs' own serialiser, so that tf.loadLayersModel reads it back as tfjs wrote it.
// The model takes what our model.json's network takes: x = pixel · scale + offset.

import { join } from 'node:path';
import type { KerasLayer } from '../model/layerRecord.js';
import type { Network } from '../model/network.js';
import type { Tf } from './tfjs.js';

type LayersModel = ReturnType<Tf['sequential']>;

/** The network rebuilt from tfjs layers (each layer's Keras counterpart), ending in a softmax. */
export function toTfjsModel(tf: Tf, network: Network): LayersModel {
  const model = tf.sequential();
  const make = {
    Dense: tf.layers.dense,
    BatchNormalization: tf.layers.batchNormalization,
    Activation: tf.layers.activation,
  } as Record<KerasLayer['className'], (config: object) => Parameters<LayersModel['add']>[0]>;
  network.layers.forEach((layer, index) => {
    const { className, config, weights } = layer.keras();
    const first = index === 0 ? { inputShape: [network.inputSize] } : {};
    const counterpart = make[className]({ ...config, ...first });
    model.add(counterpart);
    if (weights.length) {
      counterpart.setWeights(weights.map(({ values, shape }) => tf.tensor(values.slice(), shape)));
    }
  });
  model.add(tf.layers.activation({ activation: 'softmax' }));
  return model;
}

// a type, not an interface: a record of file names to contents, as writeFolderAtomic takes
export type SavedFiles = {
  'model.json': string;
  'weights.bin': Uint8Array;
};

/** What tfjs writes for the model: model.json (topology and weights manifest) and weights.bin. */
export async function tfjsArtifacts(tf: Tf, network: Network): Promise<SavedFiles> {
  const model = toTfjsModel(tf, network);
  let files: SavedFiles | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      files = {
        'model.json': JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: 'mnist-softmax export',
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
        'weights.bin': new Uint8Array(weightData),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  if (!files) throw new Error('tfjs saved nothing');
  return files;
}

/** Reads an exported folder back with tfjs (no file:// loader in pure tfjs: from memory). */
export async function loadExported(
  tf: Tf,
  folder: string,
  readFile: (file: string) => Promise<Buffer>,
): Promise<Awaited<ReturnType<Tf['loadLayersModel']>>> {
  const json = JSON.parse((await readFile(join(folder, 'model.json'))).toString('utf8'));
  const bin = await readFile(join(folder, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData,
    }),
  );
}
