// TensorFlow.js, the oracle. Loaded only by the commands that compare against it: `train`
// without --check-tfjs never pays for it. tfjs-node is used when the user has installed it
// (it is never required); otherwise the parts of pure-JS TensorFlow.js that the checks use:
// tfjs-core, its cpu backend and tfjs-layers (the umbrella @tensorflow/tfjs would add webgl,
// the converter and tf.data, 58 MB more that no command uses).

import { UserError, EXIT } from '../errors.js';

/** What the checks use of TensorFlow.js: the core ops and the Layers API. */
export type Tf = typeof import('@tensorflow/tfjs-core') & typeof import('@tensorflow/tfjs-layers');

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
    return { tf, backend: `tfjs-node ${tf.version_core} (${tf.getBackend()})` };
  } catch {
    // not installed, or its native library is missing: fall back to pure JS
  }
  let tf: Tf;
  try {
    const [core, layers] = await Promise.all([
      import('@tensorflow/tfjs-core'),
      import('@tensorflow/tfjs-layers'),
      import('@tensorflow/tfjs-backend-cpu'), // registers the cpu backend
    ]);
    tf = { ...core, ...layers };
  } catch (error) {
    throw new UserError(
      `TensorFlow.js cannot be loaded (${(error as Error).message}); run \`npm install\``,
      EXIT.input,
    );
  }
  // PROD quiets the "install our node backend" banner; we say which backend we use ourselves.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: `tfjs ${tf.version_core} (${tf.getBackend()})` };
}
