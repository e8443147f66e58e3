// A real studio process for the end-to-end tests: started on a free port, known once it says
// where it listens.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

export interface RunningStudio {
  child: ChildProcess;
  port: number;
  /** Its address: http://127.0.0.1:PORT/ */
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr: () => string;
}

/** `mnist-softmax studio --runs FOLDER --port 0 EXTRA…`, run in `cwd`. */
export async function startStudio(
  folder: string,
  extra: string[] = [],
  cwd = ROOT,
): Promise<RunningStudio> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/mnist-softmax.js'), 'studio', '--runs', folder, '--port', '0', ...extra],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`studio exited with ${code}: ${stderr}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}/`, stderr: () => stderr };
}
