// step.json: the inside of the last step a run took by Step (train/batchInside.ts), written by
// the run that took it (atomically: a reader sees the last one whole) and read back, checked,
// by the studio. A later Step replaces it; a step taken otherwise leaves it be.

import { join } from 'node:path';
import { EXIT, UserError } from '../errors.js';
import { steppedBatch, type BatchInside } from '../train/batchInside.js';
import { LOSSES } from '../train/losses.js';
import { OPTIMIZERS } from '../train/optimizers.js';
import type { SteppedBatch } from '../train/records.js';
import { writeFileAtomic } from './runFiles.js';

export const STEP_FILE = 'step.json';

export function writeStepFile(folder: string, inside: BatchInside): void {
  writeFileAtomic(join(folder, STEP_FILE), JSON.stringify(steppedBatch(inside)));
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const numbers = (value: unknown, length: number) =>
  Array.isArray(value) && value.length === length && value.every(finite);

/** What is wrong with a parsed step.json, in a few words; null when the page can draw it. */
function stepProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  const s = value;
  for (const name of ['step', 'epoch', 'batch', 'size', 'height', 'width']) {
    if (!isCount(s[name])) return `its "${name}" is not a whole number`;
  }
  for (const name of ['learningRate', 'lossBefore', 'lossAfter']) {
    if (!finite(s[name])) return `its "${name}" is not a number`;
  }
  if (!LOSSES.includes(s.loss as never)) return 'its "loss" is not a loss';
  const optimizer = s.optimizer;
  if (!isObject(optimizer) || !OPTIMIZERS.includes(optimizer.name as never)) {
    return 'its "optimizer" is not an optimiser';
  }
  for (const name of ['momentum', 'beta1', 'beta2', 'epsilon', 'weightDecay', 't']) {
    if (!finite(optimizer[name])) return `its "optimizer.${name}" is not a number`;
  }
  const classes = s.classes;
  if (
    !Array.isArray(classes) ||
    classes.length === 0 ||
    !classes.every((c) => typeof c === 'string')
  ) {
    return 'its "classes" are not names';
  }
  const kept = Array.isArray(s.indices) ? s.indices.length : -1;
  if (kept < 0 || kept > (s.size as number) || !(s.indices as unknown[]).every(isCount)) {
    return 'its "indices" are not the batch’s';
  }
  const labels = s.labels;
  if (
    !numbers(labels, kept) ||
    !(labels as number[]).every((l) => isCount(l) && l < classes.length)
  ) {
    return 'its "labels" are not classes';
  }
  const bytes = kept * (s.height as number) * (s.width as number);
  if (typeof s.pixels !== 'string' || Buffer.from(s.pixels, 'base64').length !== bytes) {
    return `its "pixels" are not ${bytes} bytes in base64`;
  }
  for (const name of ['probabilitiesBefore', 'probabilitiesAfter']) {
    if (!numbers(s[name], kept * classes.length)) return `its "${name}" are not (kept, classes)`;
  }
  for (const name of ['lossesBefore', 'lossesAfter']) {
    if (!numbers(s[name], kept)) return `its "${name}" are not one a sample`;
  }
  if (!Array.isArray(s.parameters)) return 'its "parameters" are not a list';
  for (const [i, p] of s.parameters.entries()) {
    const problem = parameterProblem(p);
    if (problem) return `its "parameters"[${i}]: ${problem}`;
  }
  return null;
}

function parameterProblem(p: unknown): string | null {
  if (!isObject(p)) return 'not an object';
  if (!isCount(p.layer) || typeof p.type !== 'string' || typeof p.name !== 'string') {
    return 'no layer, type and name';
  }
  if (!Array.isArray(p.shape) || p.shape.length === 0 || !p.shape.every(isCount)) {
    return 'its "shape" is not a shape';
  }
  for (const name of ['normBefore', 'normAfter', 'gradientNorm', 'updateNorm']) {
    if (!finite(p[name])) return `its "${name}" is not a number`;
  }
  const length = (p.shape as number[]).reduce((a, b) => a * b, 1);
  for (const name of ['before', 'gradient', 'update', 'after']) {
    if (p[name] !== undefined && !numbers(p[name], length)) {
      return `its "${name}" is not ${length} numbers`;
    }
  }
  return null;
}

/** step.json's text, parsed and checked; UserError naming the file when it is not one. */
export function parseStepFile(text: string, file: string): SteppedBatch {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not a step file (not JSON)`, EXIT.input);
  }
  const problem = stepProblem(value);
  if (problem) throw new UserError(`${file}: ${problem}`, EXIT.input);
  return value as SteppedBatch;
}
