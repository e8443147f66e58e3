// `mnist-softmax studio`: the live web page, served until Ctrl-C.

import { availableParallelism } from 'node:os';
import { EXIT, UserError } from '../errors.js';
import { Studio } from '../studio/server.js';
import type { EngineName } from '../wasm/engine.js';

export interface StudioCommandOptions {
  runs: string;
  host: string;
  port: number;
  maxRuns: number;
  engine: EngineName;
}

export async function studioCommand(options: StudioCommandOptions): Promise<void> {
  const cores = availableParallelism();
  const studio = new Studio({
    ...options,
    threads: Math.max(1, Math.floor(cores / options.maxRuns)),
  });
  try {
    await studio.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `--host ${options.host} --port ${options.port}: cannot listen (${code ?? error})` +
        (code === 'EADDRINUSE' ? '; choose another --port, or 0 for any free one' : ''),
      EXIT.usage,
    );
  }
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  console.log(`studio: http://${shown}:${studio.port}/ (runs in ${studio.runs.folder})`);
  console.error('Ctrl-C to stop (the runs started here stop too, their finished epochs kept)');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await studio.close();
}
