// A network as a TensorFlow.js LayersModel: built with tfjs' own layers, given our weights, and
// saved through tfjs' own serialiser, so that tf.loadLayersModel reads it back as tfjs wrote it.
// The model takes what our model.json's network takes: x = pixel · scale + offset.

import { join } from 'node:path';
import { Activation, BatchNorm, Dense } from '../model/layers.js';
import type { Network } from '../model/network.js';
import type { Tf } from './tfjs.js';

type LayersModel = ReturnType<Tf['sequential']>;

/** The network rebuilt from tfjs layers, ending in a softmax, with our weights. */
export function toTfjsModel(tf: Tf, network: Network): LayersModel {
  const model = tf.sequential();
  const inputShape = [network.inputSize];
  network.layers.forEach((layer, index) => {
    const first = index === 0 ? { inputShape } : {};
    if (layer instanceof Dense) {
      const dense = tf.layers.dense({ units: layer.outputs, ...first });
      model.add(dense);
      dense.setWeights([
        tf.tensor2d(layer.weights.slice(), [layer.inputs, layer.outputs]),
        tf.tensor1d(layer.bias.slice()),
      ]);
    } else if (layer instanceof BatchNorm) {
      const norm = tf.layers.batchNormalization({
        epsilon: layer.epsilon,
        momentum: layer.momentum,
        ...first,
      });
      model.add(norm);
      norm.setWeights(
        [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance].map((v) =>
          tf.tensor1d(v.slice()),
        ),
      );
    } else if (layer instanceof Activation) {
      model.add(tf.layers.activation({ activation: layer.type, ...first }));
    } else {
      throw new Error(`no tfjs layer for ${layer.type}`);
    }
  });
  model.add(tf.layers.activation({ activation: 'softmax' }));
  return model;
}

export interface SavedFiles {
  'model.json': string;
  'weights.bin': Uint8Array;
}

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
