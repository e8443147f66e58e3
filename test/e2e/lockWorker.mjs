// One of the processes that race for run folders' locks (test/e2e/lockRace.test.ts). For each
// round it waits until every racer is ready, tries the lock once, and writes what happened:
//
//   ROOT/round-R/ready-N     N is ready (all RACERS ready: go)
//   ROOT/round-R/tried-N     N has tried (the holder keeps the lock until every racer has)
//   ROOT/round-R/inside      exists while a racer holds the lock: made with O_EXCL, so a second
//                            holder at the same time is seen (overlap)
//   ROOT/round-R/result-N    {"held", "overlap", "refused", "error"}
//
// usage: node lockWorker.mjs MODULE ROOT N RACERS ROUNDS   (MODULE: the built runFolder.js)

import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [module, root, n, racers, rounds] = process.argv.slice(2);
const { lockRunFolder } = await import(pathToFileURL(module).href);
const RACERS = Number(racers);
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Waits until RACERS files named `prefix-*` are in `folder` (at most `ms`). */
function waitFor(folder, prefix, ms) {
  const deadline = Date.now() + ms;
  while (readdirSync(folder).filter((name) => name.startsWith(prefix)).length < RACERS) {
    if (Date.now() > deadline) return false;
    pause(1);
  }
  return true;
}

for (let round = 0; round < Number(rounds); round++) {
  const folder = join(root, `round-${round}`);
  writeFileSync(join(folder, `ready-${n}`), '');
  waitFor(folder, 'ready-', 30_000);
  const result = { held: false, overlap: false, refused: false, error: null };
  let release = null;
  try {
    release = lockRunFolder(folder, '--out');
  } catch (error) {
    if (/in use by process/.test(error.message)) result.refused = true;
    else result.error = error.message;
  }
  if (release) {
    result.held = true;
    try {
      writeFileSync(join(folder, 'inside'), n, { flag: 'wx' });
    } catch {
      result.overlap = true;
    }
  }
  writeFileSync(join(folder, `tried-${n}`), '');
  if (release) {
    waitFor(folder, 'tried-', 10_000);
    if (!result.overlap) rmSync(join(folder, 'inside'));
    release();
  }
  writeFileSync(join(folder, `result-${n}`), JSON.stringify(result));
}
