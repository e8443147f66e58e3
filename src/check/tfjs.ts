// TensorFlow.js, the oracle. Loaded only by the commands that compare against it: `train`
// without --check-tfjs never pays for it. tfjs-node is used when the user has installed it
// (it is never required); otherwise the pure-JS @tensorflow/tfjs on its cpu backend.

import { UserError, EXIT } from '../errors.js';

export type Tf = typeof import('@tensorflow/tfjs');

export interface Oracle {
  tf: Tf;
  /** What was loaded, e.g. "tfjs-node 4.22.0 (tensorflow)" or "tfjs 4.22.0 (cpu)". */
  backend: string;
}

let loaded: Promise<Oracle> | null = null;

export function loadTfjs(): Promise<Oracle> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<Oracle> {
  // A module name in a variable: TypeScript does not look for it, Node resolves it at run time.
  const nodeBinding = '@tensorflow/tfjs-node';
  try {
    const tf = (await import(nodeBinding)) as Tf;
    await tf.ready();
    return { tf, backend: `tfjs-node ${tf.version.tfjs} (${tf.getBackend()})` };
  } catch {
    // not installed, or its native library is missing: fall back to pure JS
  }
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs');
  } catch (error) {
    throw new UserError(
      `@tensorflow/tfjs cannot be loaded (${(error as Error).message}); run \`npm install\``,
      EXIT.input,
    );
  }
  // PROD quiets the "install our node backend" banner; we say which backend we use ourselves.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: `tfjs ${tf.version.tfjs} (${tf.getBackend()})` };
}
