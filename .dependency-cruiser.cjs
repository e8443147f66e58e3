// The layers of src/ and what each may import: `npm run lint` fails on an import outside its
// layer's list (type-only imports count too). docs/architecture.md explains the table.
// dependency-cruiser rather than an eslint plugin: it resolves TypeScript's `.js` specifiers to
// the `.ts` files through tsconfig.json itself (an eslint import plugin needs a separate
// resolver, and one that cannot resolve an import lets it pass unchecked), and it does not
// depend on eslint's plugin API, which eslint 10 changed.

/** Each folder of src/ and the folders it may import (the files at src/ top, errors.ts, numbers.ts,
 * random.ts, inputFile.ts and folders.ts, are below them all). */
const LAYERS = {
  data: [],
  model: ['data'],
  wasm: ['data', 'model'],
  train: ['data', 'model'],
  report: ['data', 'model', 'train'],
  run: ['data', 'model', 'wasm', 'train', 'report'],
  check: ['data', 'model', 'wasm', 'train'],
  // the static studio's training worker (bundled for the browser, Node.js modules stubbed)
  static: ['data', 'model', 'wasm', 'train', 'check'],
  studio: ['data', 'model', 'wasm', 'train', 'report', 'run', 'check', 'static'],
  cli: ['data', 'model', 'wasm', 'train', 'report', 'run', 'check', 'studio', 'static'],
  // the browser's pages: plain modules only (their tsconfig has no Node.js types)
  web: ['data', 'report', 'run', 'studio', 'static'],
};

const folder = (name) => `^src/${name}/`;
const TOP_FILES = '^src/(errors|random|inputFile|numbers|folders)\\.ts$';

module.exports = {
  forbidden: [
    ...Object.entries(LAYERS).map(([layer, allowed]) => ({
      name: `layer-${layer}`,
      comment: `src/${layer} may import only ${allowed.join(', ') || 'nothing'} (and the top files)`,
      severity: 'error',
      from: { path: folder(layer) },
      to: {
        path: '^src/',
        pathNot: [folder(layer), ...allowed.map(folder), TOP_FILES, '^src/types/'],
      },
    })),
    {
      name: 'top-files',
      comment:
        'errors.ts, numbers.ts, random.ts, inputFile.ts and folders.ts import only each other',
      severity: 'error',
      from: { path: TOP_FILES },
      to: { path: '^src/', pathNot: [TOP_FILES, '^src/types/'] },
    },
    {
      name: 'library-entry',
      comment: 'src/index.ts is the library: nothing in src imports it',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'every-file-in-a-layer',
      comment: 'a folder of src/ not in the table has no rule: add it to LAYERS',
      severity: 'error',
      from: {
        path: '^src/[^/]+/',
        pathNot: [...Object.keys(LAYERS).map(folder), '^src/types/', '^src/wasm/assembly/'],
      },
      to: {},
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/wasm/assembly/' },
  },
};
