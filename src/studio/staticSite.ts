// `studio --static DIR`: a folder that any static web server can serve, whose page trains in
// the browser (src/web/static.ts, src/static/worker.ts) with the same kernels.wasm as the
// command line, on data it ships: the first `trainCount` training images of the embedded
// MNIST and its whole test set, as raw bytes; KaTeX's fonts for the step view's formulas; and a
// `_headers` file that asks the hosts that read one (Netlify, Cloudflare Pages) for cross-origin
// isolation, under which the page trains on several threads. The folder appears whole or not at
// all: it is written beside its place and renamed into it.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fingerprint, loadDataset, resolveDataSource } from '../data/dataset.js';
import { EXIT, UserError } from '../errors.js';
import { STATIC_FILES, type StaticDataInfo } from '../static/protocol.js';

/** Training images shipped by default: enough for ~91% in one epoch, 15.7 MB. */
export const STATIC_TRAIN_DEFAULT = 20000;

/** Built by `npm run build` (scripts/build-static.mjs, build:wasm); src/ and dist/ are siblings. */
const BUILT = new URL('../../dist/', import.meta.url);
const BUILT_FILES: [string, string][] = [
  ['static-site/index.html', 'index.html'],
  ['static-site/static-page.js', 'static-page.js'],
  ['static-site/static-page.css', 'static-page.css'],
  [`static-site/${STATIC_FILES.worker}`, STATIC_FILES.worker],
  [`static-site/${STATIC_FILES.thread}`, STATIC_FILES.thread],
  ['wasm/kernels.wasm', STATIC_FILES.kernels],
];
/** The typesetting's fonts, as the page's CSS names them (build-static.mjs). */
const FONTS = 'static-site/fonts/';

/**
 * The response headers that make the page cross-origin isolated, so that its training worker
 * may share its memory with threads (src/static/threads.ts); credentialless would do as well as
 * require-corp, the folder fetching nothing from elsewhere.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** `_headers` (Netlify's and Cloudflare Pages' format): the isolation headers on every file. */
const HEADERS_FILE =
  '/*\n' +
  Object.entries(ISOLATION_HEADERS)
    .map(([name, value]) => `  ${name}: ${value}\n`)
    .join('');

export interface StaticSiteOptions {
  /** Training images to ship (the first ones); undefined: all. */
  trainCount?: number;
  /** Replace a folder that holds something. */
  force: boolean;
}

/** Checks `folder` before anything is loaded: a file, or a non-empty folder without --force. */
function checkTarget(folder: string, force: boolean): void {
  if (!existsSync(folder)) {
    // its parent is not made: a mistyped path is named rather than created
    const parent = dirname(folder);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      throw new UserError(`--static ${folder}: ${parent} is not a folder`, EXIT.input);
    }
    return;
  }
  if (!statSync(folder).isDirectory()) {
    throw new UserError(`--static ${folder}: exists and is not a folder`, EXIT.input);
  }
  if (readdirSync(folder).length > 0 && !force) {
    throw new UserError(
      `--static ${folder}: the folder is not empty; choose another or add --force to replace it`,
      EXIT.input,
    );
  }
}

/** Writes the folder; returns what it holds, for the command's line. */
export async function writeStaticSite(
  target: string,
  options: StaticSiteOptions,
): Promise<StaticDataInfo> {
  const folder = resolve(target);
  checkTarget(folder, options.force);
  for (const from of [...BUILT_FILES.map(([file]) => file), FONTS]) {
    if (!existsSync(new URL(from, BUILT))) {
      throw new Error(`dist/${from} is missing: run \`npm run build\``);
    }
  }
  const source = resolveDataSource('mnist');
  const data = await loadDataset(source, { trainLimit: options.trainCount });
  const info: StaticDataInfo = {
    name: data.name,
    classes: data.classes,
    height: data.test.height,
    width: data.test.width,
    trainCount: data.train.count,
    testCount: data.test.count,
    testFingerprint: fingerprint(data.test),
  };
  const parent = dirname(folder);
  const partial = join(parent, `.${basename(folder)}.partial-${process.pid}`);
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial);
    for (const [from, to] of BUILT_FILES) copyFileSync(new URL(from, BUILT), join(partial, to));
    mkdirSync(join(partial, 'fonts'));
    for (const font of readdirSync(new URL(FONTS, BUILT))) {
      copyFileSync(new URL(font, new URL(FONTS, BUILT)), join(partial, 'fonts', font));
    }
    const write = (name: string, bytes: Uint8Array) => writeFileSync(join(partial, name), bytes);
    write(STATIC_FILES.trainImages, data.train.images);
    write(STATIC_FILES.trainLabels, data.train.labels);
    write(STATIC_FILES.testImages, data.test.images);
    write(STATIC_FILES.testLabels, data.test.labels);
    writeFileSync(join(partial, STATIC_FILES.info), JSON.stringify(info, null, 2) + '\n');
    writeFileSync(join(partial, '_headers'), HEADERS_FILE);
    // the old folder (checked above: empty, or replaced with --force) goes only once the new one
    // is whole
    const old = join(parent, `.${basename(folder)}.old-${process.pid}`);
    if (existsSync(folder)) renameSync(folder, old);
    renameSync(partial, folder);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    try {
      rmSync(partial, { recursive: true, force: true });
    } catch {
      // nothing was made there
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`--static ${target}: cannot write (${code})`, EXIT.input);
    throw error;
  }
  return info;
}
