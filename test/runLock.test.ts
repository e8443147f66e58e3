// The run lock's takeover when a process died in the middle of one (its guard left behind), the
// leftovers of killed takers, and a mkdir -p that ends. (The races themselves, between real
// processes: test/e2e/lockRace.test.ts.)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createFolder } from '../src/folders.js';
import { lockHolder, lockRunFolder, openRunFolder } from '../src/run/runFolder.js';
import { temporaryFolder } from './helpers.js';

function deadPid(): number {
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
    encoding: 'utf8',
  });
  return Number(gone.stdout.trim());
}

const lockText = (pid: number, token: string) =>
  JSON.stringify({ pid, host: hostname(), started: '', token }) + '\n';

describe('the run lock', () => {
  it('takes over a dead lock whose takeover was itself cut short by a kill', () => {
    const folder = join(temporaryFolder(), 'run');
    mkdirSync(folder);
    const pid = deadPid();
    writeFileSync(join(folder, '.lock'), lockText(pid, `${pid}-aaaa`));
    // a taker killed while it held the guard of that lock
    writeFileSync(join(folder, `.lock.takeover-${pid}-aaaa`), lockText(pid, `${pid}-bbbb`));
    const warn = vi.spyOn(console, 'error').mockImplementation(() => {});
    const release = lockRunFolder(folder, '--out');
    expect(warn).toHaveBeenCalledWith(
      `warning: ${folder}: taking over the lock of process ${pid}, which is gone`,
    );
    warn.mockRestore();
    expect(lockHolder(folder)?.pid).toBe(process.pid);
    expect(JSON.parse(readFileSync(join(folder, '.lock'), 'utf8')).token).toMatch(
      new RegExp(`^${process.pid}-[0-9a-f]{16}$`),
    );
    expect(readdirSync(folder)).toEqual(['.lock']);
    release();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses a live holder, and leaves its lock and nothing of its own', () => {
    const folder = join(temporaryFolder(), 'run');
    mkdirSync(folder);
    writeFileSync(join(folder, '.lock'), lockText(process.ppid, `${process.ppid}-cccc`));
    expect(() => lockRunFolder(folder, '--resume')).toThrow(
      `--resume ${folder}: the run folder is in use by process ${process.ppid}`,
    );
    expect(readdirSync(folder)).toEqual(['.lock']);
  });

  it("removes what killed takers left (candidates, guards), keeping a live one's", () => {
    const folder = join(temporaryFolder(), 'run');
    mkdirSync(folder);
    const pid = deadPid();
    const left = [`.lock.${pid}-0123abcd`, `.lock.${pid}-0123abcd.r`, `.lock.takeover-${pid}-dd`];
    for (const name of left) writeFileSync(join(folder, name), lockText(pid, `${pid}-ee`));
    const live = `.lock.takeover-${process.ppid}-ff`;
    writeFileSync(join(folder, live), lockText(process.ppid, `${process.ppid}-ff`));
    const run = openRunFolder(folder, { resume: true });
    expect(readdirSync(folder).sort()).toEqual(['.lock', live]);
    run.release();
  });
});

describe('createFolder (mkdir -p)', () => {
  it('makes every missing folder, and accepts one that exists', () => {
    const root = temporaryFolder();
    createFolder(join(root, 'a/b/../c/d'));
    expect(existsSync(join(root, 'a/c/d'))).toBe(true);
    createFolder(join(root, 'a/c/d'));
  });

  it.skipIf(!existsSync('/proc/self'))('fails at once where no folder can be made', () => {
    const started = performance.now();
    expect(() => createFolder('/proc/nope/run')).toThrow(/ENOENT/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('fails on a file in the way', () => {
    const root = temporaryFolder();
    writeFileSync(join(root, 'file'), '');
    expect(() => createFolder(join(root, 'file'))).toThrow(/not a folder/);
    expect(() => createFolder(join(root, 'file/x'))).toThrow(/ENOTDIR/);
  });
});
