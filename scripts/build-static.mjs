// Bundles the static studio (`studio --static`): its page (src/web/static.ts, with its CSS and
// KaTeX's fonts in fonts/), its training worker (src/static/worker.ts) and the threads that
// worker starts where the page is cross-origin isolated (src/static/threadWorker.ts) into
// dist/static-site. The worker bundles the same
// engine and trainer as the command line; the Node.js modules some of their files import
// (for reading files, worker threads) are stubbed as empty: the browser never calls them.

import { build } from 'esbuild';

/**
 * `node:*` imports resolve to a stub whose every property is the stub again (so a module's
 * top-level `constants.O_RDONLY | constants.O_NONBLOCK` evaluates, to 0) and which throws when called: the browser never
 * calls them.
 */
const STUB = `
const stub = new Proxy(function () {}, {
  get: (_target, key) =>
    key === Symbol.toPrimitive ? () => 0 : typeof key === 'symbol' || key === 'then' ? undefined : stub,
  apply: () => { throw new Error('a Node.js module, absent from the browser'); },
  construct: () => { throw new Error('a Node.js module, absent from the browser'); },
});
module.exports = Object.create(stub);
`;

/** @type {import('esbuild').Plugin} */
const stubNode = {
  name: 'stub-node',
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, (args) => ({
      path: args.path,
      namespace: 'node-stub',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({
      contents: STUB,
      loader: 'js',
    }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  minify: true,
  target: 'es2022',
  logLevel: 'warning',
  outdir: 'dist/static-site',
};

await build({
  ...common,
  entryPoints: { 'static-worker': 'src/static/worker.ts' },
  format: 'esm',
  platform: 'browser',
  plugins: [stubNode],
});
await build({
  ...common,
  entryPoints: { 'static-thread': 'src/static/threadWorker.ts' },
  format: 'iife',
  platform: 'browser',
});
await build({
  ...common,
  entryPoints: { 'static-page': 'src/web/static.ts' },
  format: 'iife',
  // the step view's typesetting: its fonts beside the page, as the studio serves them
  loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file' },
  assetNames: 'fonts/[name]',
});
