// Preloaded into a CLI process (node --import) to make one file's writing fail as the disk would:
// MNIST_SOFTMAX_FAULT_FILE names the file (its base name, or a temporary name holding it), and
// MNIST_SOFTMAX_FAULT says how: `enospc` (the disk is full) or `hang` (the process stops there,
// after creating the file MNIST_SOFTMAX_FAULT_READY, until it is killed).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const fault = process.env.MNIST_SOFTMAX_FAULT;
const file = process.env.MNIST_SOFTMAX_FAULT_FILE;
const writeFileSync = fs.writeFileSync;

fs.writeFileSync = function (path, ...rest) {
  if (typeof path === 'string' && basename(path).includes(file)) {
    if (fault === 'enospc') {
      writeFileSync(path, ''); // the file is made, its bytes do not fit
      const error = new Error(`ENOSPC: no space left on device, write '${path}'`);
      error.code = 'ENOSPC';
      throw error;
    }
    if (fault === 'hang') {
      writeFileSync(process.env.MNIST_SOFTMAX_FAULT_READY, String(process.pid));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until killed
    }
  }
  return writeFileSync.call(this, path, ...rest);
};
syncBuiltinESMExports();
