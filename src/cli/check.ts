// `mnist-softmax examples` and `mnist-softmax gradcheck`: the hand-written math beside tfjs;
// `gradcheck --engines`: the wasm kernels beside the reference functions they must equal.

import { EXIT } from '../errors.js';
import { formatLikeNumpy, runExamples } from '../check/examples.js';
import { runGradcheck, TOLERANCE } from '../check/gradcheck.js';
import { loadTfjs } from '../check/tfjs.js';
import type { KernelChoice } from '../wasm/kernelChoice.js';
import { table, wrap } from './format.js';

export async function examplesCommand(options: { json: boolean }): Promise<number> {
  const { tf, backend } = await loadTfjs();
  const results = runExamples(tf);
  const ok = results.every((r) => r.ok);
  if (options.json) {
    process.stdout.write(
      JSON.stringify({
        backend,
        ok,
        examples: results.map(({ name, handWritten, tfjs, expected, maxAbsDiff, ok }) => ({
          name,
          handWritten,
          tfjs,
          expected: expected.map(Number),
          maxAbsDiff,
          ok,
        })),
      }) + '\n',
    );
  } else {
    console.log(`reference: ${backend}\n`);
    for (const r of results) {
      const expected =
        r.shape.length === 2
          ? formatLikeNumpy(r.expected.map(Number), r.shape)
          : r.shape.length
            ? `[${r.expected.join(' ')}]`
            : r.expected[0];
      const indent = (text: string) => text.replace(/\n/g, '\n' + ' '.repeat(15));
      console.log(`${r.ok ? 'OK  ' : 'FAIL'} ${r.name}`);
      console.log(`  hand-written ${indent(formatLikeNumpy(r.handWritten, r.shape))}`);
      console.log(`  tfjs         ${indent(formatLikeNumpy(r.tfjs, r.shape))}`);
      console.log(`  expected     ${indent(expected)}`);
      console.log(`  max |hand-written − tfjs| = ${r.maxAbsDiff.toExponential(2)}`);
      if (r.note) console.log(`  (${r.note})`);
      console.log('');
    }
    console.log(
      ok
        ? `all ${results.length} examples match`
        : `${results.filter((r) => !r.ok).length} of ${results.length} examples FAIL`,
    );
  }
  return ok ? EXIT.ok : EXIT.failed;
}

export async function gradcheckCommand(options: {
  json: boolean;
  seed: number;
  engines: boolean;
  kernels: KernelChoice;
}): Promise<number> {
  if (options.engines) return engineCheckCommand(options);
  const { tf, backend } = await loadTfjs();
  const checks = runGradcheck({ seed: options.seed, tf });
  const ok = checks.every((c) => c.ok);
  if (options.json) {
    process.stdout.write(JSON.stringify({ ok, backend, seed: options.seed, checks }) + '\n');
    return ok ? EXIT.ok : EXIT.failed;
  }
  console.log(`references: float64 central finite differences; ${backend} autodiff in float32`);
  console.log(
    Object.entries(TOLERANCE)
      .map(([reference, t]) => `${reference}: max rel error ≤ ${t.relative} (floor ${t.floor})`)
      .join('\n') + '\n',
  );
  console.log(
    table(
      [
        ['check', 'reference', 'max abs error', 'max rel error', ''],
        ...checks.map((c) => [c.name, c.reference, ...errorColumns(c)]),
      ],
      false,
    ),
  );
  return verdict(checks);
}

/** `gradcheck --engines`: every configuration's tensors, OK or FAIL; exit 1 on any FAIL. */
async function engineCheckCommand(options: {
  json: boolean;
  kernels: KernelChoice;
}): Promise<number> {
  const { checkEngines, kernelSetsOf, ENGINE_TOLERANCE } = await import('../check/engineCheck.js');
  const kernelSets = kernelSetsOf(options.kernels);
  const { loadDataset, resolveDataSource } = await import('../data/dataset.js');
  const data = await loadDataset(resolveDataSource('mnist'), { trainLimit: 3000, testLimit: 100 });
  const checks = checkEngines(data, undefined, kernelSets);
  const ok = checks.every((c) => c.ok);
  if (options.json) {
    process.stdout.write(
      JSON.stringify({ ok, tolerance: ENGINE_TOLERANCE, kernelSets, checks }) + '\n',
    );
    return ok ? EXIT.ok : EXIT.failed;
  }
  console.log(
    `the wasm engine against the reference on real MNIST batches:\n` +
      `max rel error < ${ENGINE_TOLERANCE} (floor: 1% of the tensor's largest value)\n` +
      `kernels: ${kernelSets.join(', ')}`,
  );
  for (const configuration of new Set(checks.map((c) => c.configuration))) {
    const rows = checks.filter((c) => c.configuration === configuration);
    const kernels = rows[0].kernels
      .split('\n')
      .map((line) => wrap(`dense ${line}`, 77, '    ').replace(/^/gm, '  '));
    console.log(`\n${configuration}\n${kernels.join('\n')}`);
    console.log(
      table(
        [
          ['  tensor', 'max abs error', 'max rel error', ''],
          ...rows.map((c) => [`  ${c.tensor}`, ...errorColumns(c)]),
        ],
        false,
      ),
    );
  }
  return verdict(checks);
}

interface Checked {
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
}

/** A check's last columns in the tables of gradcheck and gradcheck --engines. */
function errorColumns(c: Checked): string[] {
  return [c.maxAbsError.toExponential(2), c.maxRelError.toExponential(2), c.ok ? 'OK' : 'FAIL'];
}

/** The closing line, "all N checks OK" or how many FAIL, and the exit code. */
function verdict(checks: Checked[]): number {
  const failed = checks.filter((c) => !c.ok).length;
  console.log(
    failed ? `\n${failed} of ${checks.length} checks FAIL` : `\nall ${checks.length} checks OK`,
  );
  return failed ? EXIT.failed : EXIT.ok;
}
