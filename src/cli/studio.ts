// `mnist-softmax studio`: the live web page, served until Ctrl-C, SIGTERM or SIGHUP (its
// terminal closed): each stops the runs started here, as Ctrl-C stops a `train`.

import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { EXIT, UsageError, UserError } from '../errors.js';
import { writeStaticSite } from '../studio/staticSite.js';
import { Studio } from '../studio/server.js';
import type { EngineName } from '../wasm/engine.js';

export interface StudioCommandOptions {
  runs: string;
  host: string;
  port: number;
  maxRuns: number;
  engine: EngineName;
  /** Write the static studio into this folder instead of serving (staticSite.ts). */
  static?: string;
  staticTrain: number;
  staticFull?: boolean;
  force?: boolean;
}

/** The signals that end the studio; none leaves its runs training without it. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function studioCommand(options: StudioCommandOptions): Promise<void> {
  if (options.static !== undefined) return staticCommand(options, options.static);
  if (options.staticFull || options.force) {
    throw new UsageError('--static-full and --force go with --static DIR');
  }
  // a missing folder is made by the first run; a file in its place can never hold one
  let isFile = false;
  try {
    isFile = !statSync(options.runs).isDirectory();
  } catch {
    // none yet
  }
  if (isFile) throw new UserError(`--runs ${options.runs}: exists and is not a folder`, EXIT.input);
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
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
  });
  await studio.close();
}

/** `studio --static DIR`: writes the folder, says what it holds and how to serve it. */
async function staticCommand(options: StudioCommandOptions, folder: string): Promise<void> {
  const info = await writeStaticSite(folder, {
    trainCount: options.staticFull ? undefined : options.staticTrain,
    force: options.force ?? false,
  });
  console.log(
    `studio --static: wrote ${folder} (${info.trainCount} training and ${info.testCount} test ` +
      `images of ${info.name}); serve it with any static web server, e.g. ` +
      `\`python3 -m http.server -d ${folder}\` (one thread; for one per core, a server that sends ` +
      `the headers of ${folder}/_headers)`,
  );
}
