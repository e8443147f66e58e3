#!/usr/bin/env node
// Where a command spends its time: the functions of a V8 CPU profile, by self and by inclusive
// time. The L-BFGS work of 2026-12-02 was measured with it (docs/engine.md):
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/mnist-softmax.js train --optimizer lbfgs …
//   node scripts/profile-summary.mjs /tmp/prof [rows]
//
// A folder holds one profile per thread; the largest (the main thread's) is summarised.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const [folder, rows = '30'] = process.argv.slice(2);
if (!folder) {
  console.error('usage: node scripts/profile-summary.mjs PROFILE_FOLDER [rows]');
  process.exit(2);
}
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => join(folder, name))
  .sort((a, b) => statSync(b).size - statSync(a).size);
if (files.length === 0) {
  console.error(`${folder}: no .cpuprofile files`);
  process.exit(3);
}
/**
 * @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }}
 */
const profile = JSON.parse(readFileSync(files[0], 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
/** @type {Map<number, number>} */
const parents = new Map();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parents.set(child, node.id);

/**
 * A function's name and where it is: "evaluate train/evaluate.js:4".
 * @param {ProfileNode | undefined} node
 */
function nameOf(node) {
  if (!node) return '(unknown)';
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
}

// microseconds per sampled node, then per function: self, and inclusive (each function once
// per stack, however often it recurs)
/** @type {Map<number, number>} */
const sampled = new Map();
profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + profile.timeDeltas[i]));
/** @type {Map<string, number>} */
const self = new Map();
/** @type {Map<string, number>} */
const inclusive = new Map();
for (const [id, micros] of sampled) {
  const name = nameOf(nodes.get(id));
  self.set(name, (self.get(name) ?? 0) + micros);
  const seen = new Set();
  for (let at = /** @type {number | undefined} */ (id); at !== undefined; at = parents.get(at)) {
    const caller = nameOf(nodes.get(at));
    if (seen.has(caller)) continue;
    seen.add(caller);
    inclusive.set(caller, (inclusive.get(caller) ?? 0) + micros);
  }
}

/**
 * @param {string} title
 * @param {Map<string, number>} times
 */
function table(title, times) {
  console.log(title);
  const top = [...times].sort((a, b) => b[1] - a[1]).slice(0, Number(rows));
  for (const [name, micros] of top) {
    console.log(`${(micros / 1000).toFixed(0).padStart(8)} ms  ${name}`);
  }
}
table(`self time (${files[0]})`, self);
table('\ninclusive time', inclusive);
