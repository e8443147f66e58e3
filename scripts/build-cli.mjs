// Bundles the command line (src/cli, what bin/mnist-softmax.js imports) into dist/cli: main.js
// with commander and the options of every command, and one chunk per command module it imports
// lazily (and per module those share). What src/cli imports from the other layers stays
// tsc's modules in dist/ (`../run/run.js` from dist/cli is dist/run/run.js), one copy of each,
// shared with the library; the packages stay in node_modules.
//
// Why a bundle: `--help` loaded eleven modules of dist/ and commander's seven CommonJS files
// (required, since importing them made Node.js parse them for their exports), each a file for
// Node.js's loader to find, read and link, and commander loaded child_process with Node's
// networking; bundled, it loads eight files (docs/performance.md#a-runs-wall-time-start-up-and---help).
// Not minified: that changed nothing measurable, and stack traces keep their lines.

import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { build } from 'esbuild';

const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys(dependencies)
  .filter((name) => name !== 'commander')
  .flatMap((name) => [name, `${name}/*`]);

/**
 * Imports of the other layers from src/cli: left to tsc's modules, at the same place.
 * @type {import('esbuild').Plugin}
 */
const otherLayers = {
  name: 'other-layers',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\// }, (args) =>
      args.importer.startsWith(resolve('src/cli') + sep)
        ? { path: args.path, external: true }
        : undefined,
    );
  },
};

/**
 * commander requires child_process at once, for commands that are executables of their own,
 * which this CLI has none of; loading it costs a start 8–25 ms. Here commander gets a
 * child_process that loads the real one if it ever spawns.
 * @type {import('esbuild').Plugin}
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(builder) {
    builder.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${sep}commander${sep}`)
        ? { path: 'child_process', namespace: 'lazy' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // commander's require() of Node.js's modules, in an ES module
  banner: {
    js: "import { createRequire as cliRequire } from 'node:module'; const require = cliRequire(import.meta.url);",
  },
  plugins: [otherLayers, lazyChildProcess],
  outdir: 'dist/cli',
  sourcemap: true,
  sourcesContent: false, // as tsc's maps: they name the files in src/
  logLevel: 'warning',
});
