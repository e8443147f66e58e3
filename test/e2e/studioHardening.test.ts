// The studio against hostile and unusual run folders and clients (issue 25): what it serves, what
// it holds, what it answers. The real CLI as a process (or the server in-process where a port is
// the point), over raw HTTP and sockets, and the page in real Chromium.

import { spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/studio/api.js';
import { hostAllowed, Studio } from '../../src/studio/server.js';
import { chartsOf, haveChromium, launchChromium, pageWithErrors } from '../browser.js';
import { MNIST, ROOT, runCli, temporaryFolder } from '../helpers.js';
import { startStudio as startStudioProcess, type RunningStudio } from './studioProcess.js';

const CLI = join(ROOT, 'bin/mnist-softmax.js');
const root = temporaryFolder();
/** Where the runs were trained: `--data digits` is relative to it. */
const trainedIn = join(root, 'trainer');
/** Where the studio runs: another folder, where `digits` means nothing. */
const elsewhere = join(root, 'elsewhere');
const runs = join(root, 'runs');

type Running = RunningStudio;

const started: ChildProcess[] = [];

/** A studio process on a free port, once it says where it listens; stopped after the tests. */
async function startStudio(folder: string, extra: string[] = [], cwd = ROOT): Promise<Running> {
  const running = await startStudioProcess(folder, extra, cwd);
  started.push(running.child);
  return running;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw request: the path as written, any headers. */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = request(
      { host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text, headers: response.headers }),
        );
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

const postJson = (port: number, path: string, value: unknown) =>
  raw(port, 'POST', path, { 'Content-Type': 'application/json' }, JSON.stringify(value));

async function listRuns(port: number): Promise<RunSummary[]> {
  return JSON.parse((await raw(port, 'GET', '/api/runs')).text) as RunSummary[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition, polling; fails with `what` after `ms`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | null> | T | null) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A process's resident memory in MB, now and at its peak (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** A run folder written by hand, as `train` writes one: its log, its history, its summary. */
function writeRun(folder: string, config: unknown, epochs = 2): void {
  mkdirSync(folder, { recursive: true });
  const time = new Date().toISOString();
  const lines: unknown[] = [{ type: 'start', step: 0, epoch: 0, config, pid: 1, time }];
  const history: unknown[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let k = 1; k <= 4; k++) {
      const step = (epoch - 1) * 40 + 10 * k;
      lines.push({
        type: 'step',
        step,
        epoch,
        epochFraction: k / 4,
        loss: 1 / step,
        accuracy: 1 - 1 / step,
        learningRate: 0.001,
        gradientNorms: [0.5],
        weightNorms: [1],
        saturation: [],
      });
    }
    const metrics = {
      epoch,
      trainLoss: 0.3 / epoch,
      trainAccuracy: 0.9,
      testLoss: 0.3 / epoch,
      testAccuracy: 0.9 + epoch / 100,
    };
    lines.push({ type: 'epoch', step: epoch * 40, ...metrics });
    history.push({
      ...metrics,
      seconds: 1,
      samplesPerSecond: 1,
      steps: epoch * 40,
      gradientNorms: [0.5],
    });
  }
  lines.push({ type: 'end', step: epochs * 40, epoch: epochs, status: 'finished', time });
  const jsonl = (values: unknown[]) => values.map((value) => JSON.stringify(value) + '\n').join('');
  writeFileSync(join(folder, 'events.jsonl'), jsonl(lines));
  writeFileSync(join(folder, 'metrics.jsonl'), jsonl(history));
  writeFileSync(join(folder, 'metrics.json'), JSON.stringify({ config, epochs: history }));
}

const CONFIG = { model: '784-10', optimizer: 'adam', loss: 'cross-entropy', epochs: 2 };
/** Folder names a user may well give runs, which the studio must list and serve. */
const ODD_NAMES = ['my run', 'über', '_first', 'run(1)', 'run,2', `r${'x'.repeat(249)}`];

let studio: Running;

beforeAll(async () => {
  // a real run trained with a relative --data, the way a user trains in their project folder
  mkdirSync(join(trainedIn, 'digits'), { recursive: true });
  mkdirSync(elsewhere);
  for (const file of readdirSync(MNIST.folder)) {
    symlinkSync(join(MNIST.folder, file), join(trainedIn, 'digits', file));
  }
  const trained = runCli(
    [
      'train',
      '--data',
      'digits',
      '--hidden',
      '32',
      '--epochs',
      '1',
      '--train-limit',
      '3000',
      '--test-limit',
      '500',
      '--no-progress',
      '--out',
      join(runs, 'rel'),
    ],
    { cwd: trainedIn },
  );
  if (trained.status !== 0) throw new Error(trained.stderr);
  // the same run with its model.json damaged by hand
  cpSync(join(runs, 'rel'), join(runs, 'damaged'), { recursive: true });
  writeFileSync(join(runs, 'damaged', 'model.json'), '{"format": "mnist-softmax-model", "lay');
  for (const name of ODD_NAMES) writeRun(join(runs, name), CONFIG);
  // a summary whose configuration is null, and files of no run at all
  writeRun(join(runs, 'null-config'), CONFIG);
  writeFileSync(join(runs, 'null-config', 'metrics.json'), '{"config": null, "epochs": []}');
  mkdirSync(join(runs, 'garbage'));
  writeFileSync(join(runs, 'garbage', 'metrics.jsonl'), 'null\n[1,2]\n');
  writeFileSync(join(runs, 'garbage', 'events.jsonl'), '"text"\n');
  // links out of the runs folder: a run folder, and a run's log; a link to a run inside is fine
  const outside = join(root, 'outside');
  writeRun(join(outside, 'secret'), { ...CONFIG, secret: 'do not show' });
  symlinkSync(join(outside, 'secret'), join(runs, 'linked'));
  symlinkSync(join(runs, '_first'), join(runs, 'alias'));
  mkdirSync(join(runs, 'leaky'));
  symlinkSync(join(outside, 'secret', 'events.jsonl'), join(runs, 'leaky', 'events.jsonl'));
  studio = await startStudio(runs, [], elsewhere);
});

afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  }
  const stop = setTimeout(() => started.forEach((child) => child.kill('SIGKILL')), 20_000);
  await Promise.all(started.map(exited));
  clearTimeout(stop);
});

describe('what the studio serves', () => {
  it('serves every file of a run folder sandboxed: a report.html cannot act as the studio', async () => {
    for (const file of ['report.html', 'events.jsonl', 'model.json', 'curves.svg']) {
      const answer = await raw(studio.port, 'GET', `/runs/rel/${file}`);
      expect([file, answer.status]).toEqual([file, 200]);
      const policy = String(answer.headers['content-security-policy']);
      // sandboxed, in an origin of its own (no allow-same-origin), and no popups
      expect([file, policy]).toEqual([file, expect.stringMatching(/(^|; *)sandbox\b/)]);
      expect(policy).not.toMatch(/allow-same-origin|allow-popups|allow-top-navigation/);
    }
  });

  it('reads no run folder that links out of --runs, not through the JSON API either', async () => {
    const list = await listRuns(studio.port);
    expect(list.map((run) => run.id)).not.toContain('linked');
    expect(list.map((run) => run.id)).toContain('alias');
    expect(JSON.stringify(list)).not.toContain('do not show');
    for (const path of [
      '/api/runs/linked',
      '/api/runs/linked/evaluation',
      '/api/runs/linked/weights.png',
      '/api/compare?runs=linked',
      '/runs/linked/events.jsonl',
    ]) {
      const answer = await raw(studio.port, 'GET', path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.text).not.toContain('do not show');
    }
    expect((await raw(studio.port, 'GET', '/api/runs/alias')).status).toBe(200);
    // a run folder inside whose log links out: listed as unreadable, its log not read
    const leaky = (await listRuns(studio.port)).find((run) => run.id === 'leaky');
    expect(leaky).toMatchObject({ status: 'unreadable', config: {}, lastStep: 0 });
    expect(leaky!.message).toMatch(/events\.jsonl links out of the runs folder/);
    const one = await raw(studio.port, 'GET', '/api/runs/leaky');
    expect(one.status).toBe(409);
    expect(one.text).not.toContain('do not show');
    expect((await raw(studio.port, 'GET', '/runs/leaky/events.jsonl')).status).toBe(404);
  });

  it('lists runs of every folder name, and serves each by its URL-encoded name', async () => {
    const ids = (await listRuns(studio.port)).map((run) => run.id);
    for (const name of ODD_NAMES) {
      expect(ids).toContain(name);
      const encoded = encodeURIComponent(name);
      const one = await raw(studio.port, 'GET', `/api/runs/${encoded}`);
      expect([name, one.status]).toEqual([name, 200]);
      expect(JSON.parse(one.text)).toMatchObject({ id: name, epochs: 2 });
      const file = await raw(studio.port, 'GET', `/runs/${encoded}/metrics.json`);
      expect([name, file.status]).toEqual([name, 200]);
    }
    const query = ODD_NAMES.map((name) => `run=${encodeURIComponent(name)}`).join('&');
    const compared = await raw(studio.port, 'GET', `/api/compare?${query}`);
    expect(compared.status).toBe(200);
    // hidden folders and names with a slash stay out
    for (const path of ['/api/runs/.hidden', '/api/runs/a%2Fb', '/api/runs/..']) {
      expect([path, (await raw(studio.port, 'GET', path)).status]).toEqual([path, 404]);
    }
  });

  it('lists a run whose metrics.json says "config": null, and every other run with it', async () => {
    const list = await listRuns(studio.port);
    const ids = list.map((run) => run.id);
    for (const id of ['rel', 'damaged', 'null-config', ...ODD_NAMES]) expect(ids).toContain(id);
    for (const run of list) expect([run.id, typeof run.config]).toEqual([run.id, 'object']);
    for (const run of list) expect(run.config).not.toBeNull();
    // marked unreadable, each with the line that says why
    const byId = new Map(list.map((run) => [run.id, run]));
    expect(byId.get('null-config')).toMatchObject({ status: 'unreadable', config: {} });
    expect(byId.get('null-config')!.message).toMatch(
      /null-config[/\\]metrics\.json: its "config" is not an object \(null\)$/,
    );
    expect(byId.get('garbage')).toMatchObject({ status: 'unreadable', config: {} });
    expect(byId.get('garbage')!.message).toMatch(
      /garbage[/\\]events\.jsonl: line 1: not an object/,
    );
    const garbage = await raw(studio.port, 'GET', '/api/runs/garbage');
    expect(garbage.status).toBe(409);
    expect(JSON.parse(garbage.text).error).toMatch(/^run garbage: .*events\.jsonl: line 1: /);
  });

  it('evaluates a run trained with a relative --data, as `eval` does, from another folder', async () => {
    const answer = await raw(studio.port, 'GET', '/api/runs/rel/evaluation');
    expect(answer.status).toBe(200);
    const evaluation = JSON.parse(answer.text);
    expect(evaluation.count).toBe(500);
    expect(evaluation.accuracy).toBeGreaterThan(0.7);
  });

  it('answers a damaged model.json with a 409 naming the file, not an internal error', async () => {
    const blank = new Array<number>(784).fill(0);
    for (const [method, path, body] of [
      ['GET', '/api/runs/damaged/evaluation', undefined],
      ['GET', '/api/runs/damaged/weights.png', undefined],
      ['POST', '/api/predict', JSON.stringify({ run: 'damaged', pixels: blank })],
    ] as const) {
      const answer = await raw(
        studio.port,
        method,
        path,
        { 'Content-Type': 'application/json' },
        body,
      );
      expect([path, answer.status]).toEqual([path, 409]);
      const { error } = JSON.parse(answer.text) as { error: string };
      expect(error).toMatch(/damaged[/\\]model\.json: /);
      expect(error).not.toMatch(/internal error/);
      expect(error).not.toContain('\n');
    }
  });

  it('cuts off a request body sent a byte a second, with a 408, within seconds', async () => {
    const socket = connect(studio.port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const started = Date.now();
    socket.write(
      `POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1:${studio.port}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n',
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 1000);
    try {
      await until('an answer', 15_000, () => answer.length > 0);
    } finally {
      clearInterval(drip);
      setTimeout(() => socket.destroy(), 2000);
    }
    const seconds = (Date.now() - started) / 1000;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(seconds).toBeLessThan(10);
    await closed;
  });
});

describe('the studio in Chromium', () => {
  it.skipIf(!haveChromium)(
    'lists and shows every run, a null config and a damaged model among them, without a page error',
    async () => {
      const browser = await launchChromium();
      try {
        const { page, errors } = await pageWithErrors(browser);
        await page.goto(`http://127.0.0.1:${studio.port}/`);
        await page.waitForSelector('[data-testid=run-item][data-id=rel]', { timeout: 10_000 });
        const listed = await listRuns(studio.port);
        expect(await page.locator('[data-testid=run-item]').count()).toBe(listed.length);
        expect(errors).toEqual([]);
        for (const id of [...ODD_NAMES, 'null-config', 'garbage', 'leaky', 'damaged']) {
          const item = page.locator(`[data-testid=run-item][data-id="${CSS_escape(id)}"]`);
          await item.locator('input').check();
          await page
            .locator('#selection-title')
            .filter({ hasText: new RegExp(`^Run ${escapeRegExp(id)}$`) })
            .waitFor();
          if (id === 'damaged') {
            // its model cannot be read: the page says why, in the server's line
            await page
              .locator('#details .error')
              .filter({ hasText: /model\.json: / })
              .waitFor();
          }
          await page.waitForTimeout(300);
          await item.locator('input').uncheck();
        }
        const unexpected = errors.filter(
          (error) => !/status of 409 \(Conflict\)/.test(error), // the damaged model's answers
        );
        expect(unexpected).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it.skipIf(!haveChromium)(
    'a report.html opened through the studio draws its charts, and cannot start a run',
    async () => {
      mkdirSync(join(runs, 'evil'));
      writeFileSync(
        join(runs, 'evil', 'report.html'),
        `<!doctype html><title>evil</title><body><script>
        const body = '{"epochs": 1, "trainLimit": 100, "testLimit": 100}';
        const post = (w) => w.fetch('/api/runs', {
          method: 'POST', headers: {'Content-Type': 'application/json'}, body });
        let opened = null;
        try { opened = window.open('/'); } catch (e) {}
        post(window).then((r) => (document.body.dataset.direct = r.status),
          () => (document.body.dataset.direct = 'refused'));
        setTimeout(() => {
          if (!opened) return void (document.body.dataset.popup = 'no window');
          try {
            post(opened).then((r) => (document.body.dataset.popup = r.status),
              () => (document.body.dataset.popup = 'refused'));
          } catch (e) { document.body.dataset.popup = 'refused: ' + e.name; }
        }, 1500);
        </script></body>`,
      );
      const before = (await listRuns(studio.port)).map((run) => run.id);
      const browser = await launchChromium();
      try {
        const { page, errors } = await pageWithErrors(browser);
        await page.goto(`http://127.0.0.1:${studio.port}/runs/rel/report.html`);
        await page.waitForSelector('.chart canvas');
        const charts = await chartsOf(page);
        expect(charts.length).toBeGreaterThan(0);
        for (const chart of charts)
          expect([chart.name, chart.inked > 300]).toEqual([chart.name, true]);
        expect(errors).toEqual([]);

        const evil = await browser.newPage();
        await evil.goto(`http://127.0.0.1:${studio.port}/runs/evil/report.html`);
        // the page's script sets what each of its attempts got (its CSP allows no eval)
        const body = evil.locator('body[data-popup][data-direct]');
        await body.waitFor({ state: 'attached', timeout: 10_000 });
        const outcome = {
          direct: await body.getAttribute('data-direct'),
          popup: await body.getAttribute('data-popup'),
        };
        console.log(`a report.html in a run folder, calling the API: ${JSON.stringify(outcome)}`);
        expect(outcome.direct).not.toMatch(/^2/);
        expect(outcome.popup).not.toMatch(/^2/);
        await sleep(500);
        expect((await listRuns(studio.port)).map((run) => run.id)).toEqual(before);
      } finally {
        await browser.close();
      }
    },
  );
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** CSS.escape for the attribute selectors of the test (quotes and backslashes). */
function CSS_escape(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}

describe('what the studio holds', () => {
  it('drops a live-stream client that does not read, before its buffer grows without bound', async () => {
    const crowd = join(root, 'crowd');
    // a long list: 150 runs with a large configuration each (about 0.9 MB of JSON a message)
    for (let n = 0; n < 150; n++) {
      writeRun(join(crowd, `run-${n}`), { ...CONFIG, note: 'n'.repeat(6000) }, 1);
    }
    writeRun(join(crowd, 'growing'), CONFIG, 1);
    const server = await startStudio(crowd);
    const sockets = Array.from({ length: 20 }, () => {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
      socket.pause(); // never reads
      return socket;
    });
    let closedByServer = 0;
    for (const socket of sockets) socket.on('close', () => closedByServer++);
    await sleep(1000);
    const before = memoryOf(server.child.pid!);
    // a run that grows: the list changes at every poll of the studio
    let step = 100;
    const grow = setInterval(() => {
      const line = {
        type: 'step',
        step: step++,
        epoch: 1,
        epochFraction: 0.5,
        loss: 1,
        accuracy: 0.5,
        learningRate: 0.001,
        gradientNorms: [0.5],
        weightNorms: [1],
        saturation: [],
      };
      appendFileSync(join(crowd, 'growing', 'events.jsonl'), JSON.stringify(line) + '\n');
    }, 100);
    await sleep(10_000);
    clearInterval(grow);
    const after = memoryOf(server.child.pid!);
    console.log(
      `studio with 20 clients that never read, 10 s of changes: ${before.rss.toFixed(0)} MB → ` +
        `${after.rss.toFixed(0)} MB (peak ${after.peak.toFixed(0)} MB)`,
    );
    expect(after.peak - before.rss).toBeLessThan(120);
    // the dropped clients were disconnected: reading now, each gets to the end of its stream
    for (const socket of sockets) socket.resume();
    await until('the slow clients dropped', 10_000, () => closedByServer === sockets.length);
    // a client that reads still gets the list
    const live = await new Promise<string>((resolve, reject) => {
      const call = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/stream',
          headers: { Host: `127.0.0.1:${server.port}` },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            text += chunk;
            if (text.includes('\n\n')) {
              call.destroy();
              resolve(text);
            }
          });
        },
      );
      call.on('error', reject);
      call.end();
    });
    expect(live).toMatch(/^event: runs\ndata: \[/);
    server.child.kill('SIGINT');
    await exited(server.child);
  });

  it('queues a documented number of runs (429 beyond), each given its folder only when it starts', async () => {
    const folder = join(root, 'queue');
    const server = await startStudio(folder, ['--max-runs', '1']);
    const options = { epochs: 100, trainLimit: 1000, testLimit: 100 };
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const answer = await postJson(server.port, '/api/runs', options);
      statuses.push(answer.status);
      if (answer.status === 201) ids.push(JSON.parse(answer.text).id);
      else expect(JSON.parse(answer.text).error).toMatch(/queue .*full/);
    }
    // one running, 16 waiting, the rest refused
    expect(statuses.filter((status) => status === 201)).toHaveLength(17);
    expect(statuses.slice(17)).toEqual([429, 429, 429]);
    expect(new Set(ids).size).toBe(17);
    // a lesson that does not fit is refused whole
    const lesson = await postJson(server.port, '/api/lessons/sigmoid-vs-relu', {});
    expect(lesson.status).toBe(429);
    // only the started run has a folder
    expect(readdirSync(folder)).toEqual([ids[0]]);
    const list = await listRuns(server.port);
    expect(list.filter((run) => run.status === 'queued')).toHaveLength(16);
    await until('the first run training', 60_000, async () =>
      (await listRuns(server.port)).some((run) => run.id === ids[0] && run.status === 'running'),
    );
    server.child.kill('SIGINT');
    await exited(server.child);
    // no empty folders left behind: the one run that started, and its files
    expect(readdirSync(folder)).toEqual([ids[0]]);
    await until('the run ended', 30_000, () =>
      readFileSync(join(folder, ids[0], 'events.jsonl'), 'utf8').includes('"type":"end"'),
    );
  });

  it('reads a growing 60 MB events.jsonl from where it left off, not again at each change', async () => {
    const folder = join(root, 'long');
    mkdirSync(join(folder, 'long'), { recursive: true });
    const log = join(folder, 'long', 'events.jsonl');
    const sample = readFileSync(join(runs, 'rel', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text));
    const start = sample.find((line) => line.type === 'start');
    const stepLine = sample.find((line) => line.type === 'step');
    const lines: string[] = [JSON.stringify(start)];
    let step = 0;
    const stepText = () => JSON.stringify({ ...stepLine, step: ++step });
    let size = 0;
    while (size < 60e6) {
      const text = stepText();
      lines.push(text);
      size += text.length + 1;
    }
    writeFileSync(log, lines.join('\n') + '\n');
    const server = await startStudio(folder);
    const timed = async () => {
      const begin = performance.now();
      const list = await listRuns(server.port);
      expect(list[0].lastStep).toBe(step);
      return performance.now() - begin;
    };
    const first = await timed();
    const later: number[] = [];
    for (let n = 0; n < 5; n++) {
      appendFileSync(log, stepText() + '\n');
      later.push(await timed());
    }
    const median = [...later].sort((a, b) => a - b)[2];
    console.log(
      `GET /api/runs with a ${(size / 1e6).toFixed(0)} MB events.jsonl: first ${first.toFixed(0)} ms, ` +
        `after each appended line ${later.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    );
    expect(median).toBeLessThan(Math.max(50, first / 5));
    // a log replaced by a shorter one (a resume cuts it back) is read again from its start
    writeFileSync(log, lines.slice(0, 11).join('\n') + '\n');
    step = 10;
    await timed();
    server.child.kill('SIGINT');
    await exited(server.child);
  });
});

describe('the studio and its runs folder', () => {
  it('refuses to start when --runs is a file, in one line with exit 3', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = spawnSync(process.execPath, [CLI, 'studio', '--runs', file, '--port', '0'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`--runs ${file}`);
    expect(result.stderr).toMatch(/not a folder/);
  });

  it('answers a POST whose run folder cannot be made with a 409 and the reason', async () => {
    const file = join(root, 'another-file');
    writeFileSync(file, 'not a folder');
    const server = await startStudio(join(file, 'runs'));
    const answer = await postJson(server.port, '/api/runs', { epochs: 1 });
    expect(answer.status).toBe(409);
    const { error } = JSON.parse(answer.text) as { error: string };
    expect(error).toMatch(/cannot create the runs folder \(ENOTDIR\)/);
    expect(error).not.toMatch(/internal error/);
    const lesson = await postJson(server.port, '/api/lessons/sigmoid-vs-relu', {});
    expect(lesson.status).toBe(409);
    expect(await listRuns(server.port)).toEqual([]);
    server.child.kill('SIGINT');
    await exited(server.child);
  });

  it('answers at once where the kernel refuses the runs folder (/proc/nope), and spins nowhere', async () => {
    const server = await startStudio('/proc/nope');
    const begin = Date.now();
    const answer = await Promise.race([
      postJson(server.port, '/api/runs', { epochs: 1 }),
      sleep(10_000).then(() => ({ status: 0, text: '{"error": "no answer in 10 s"}' })),
    ]);
    expect(answer.status).toBe(409);
    expect(JSON.parse(answer.text).error).toMatch(
      /^\/proc\/nope: cannot create the runs folder \(ENOENT\)$/,
    );
    expect(Date.now() - begin).toBeLessThan(2000);
    server.child.kill('SIGKILL'); // a studio spinning in mkdir answers no signal
    await exited(server.child);
  });

  it('stops its runs when its terminal closes (SIGHUP), as on SIGTERM', async () => {
    const folder = join(root, 'hangup');
    const server = await startStudio(folder);
    const answer = await postJson(server.port, '/api/runs', { epochs: 1000, trainLimit: 2000 });
    expect(answer.status).toBe(201);
    const { id } = JSON.parse(answer.text) as { id: string };
    const events = join(folder, id, 'events.jsonl');
    // training: its log's start line names its process
    const pid = await until('the run training', 60_000, async () => {
      const running = (await listRuns(server.port)).some(
        (run) => run.id === id && run.status === 'running',
      );
      const start = existsSync(events) ? readFileSync(events, 'utf8').split('\n')[0] : '';
      return running && start ? (JSON.parse(start).pid as number) : null;
    });
    server.child.kill('SIGHUP');
    await exited(server.child);
    try {
      const end = await until('the run to end', 30_000, () => {
        if (!existsSync(events)) return null;
        const last = readFileSync(events, 'utf8').trim().split('\n').pop()!;
        return last.includes('"type":"end"') ? JSON.parse(last) : null;
      });
      expect(end.status).toBe('interrupted');
      await until('the train process gone', 10_000, () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });
});

describe('Host on the default port', () => {
  it('takes a Host without a port as port 80, and still refuses foreign names', () => {
    expect(hostAllowed('127.0.0.1', 80, '127.0.0.1')).toBe(true);
    expect(hostAllowed('localhost', 80, '127.0.0.1')).toBe(true);
    expect(hostAllowed('[::1]', 80, '::1')).toBe(true);
    expect(hostAllowed('localhost:80', 80, '127.0.0.1')).toBe(true);
    expect(hostAllowed('attacker.example', 80, '127.0.0.1')).toBe(false);
    expect(hostAllowed('localhost', 8080, '127.0.0.1')).toBe(false);
    expect(hostAllowed('localhost:81', 80, '127.0.0.1')).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('serves port 80 over HTTP (as root)', async (context) => {
    const server = new Studio({
      runs: join(root, 'port80'),
      host: '127.0.0.1',
      port: 80,
      maxRuns: 1,
      threads: 1,
      engine: 'reference',
    });
    try {
      await server.listen();
    } catch {
      context.skip(); // port 80 is taken here
    }
    try {
      for (const host of ['127.0.0.1', 'localhost', '127.0.0.1:80']) {
        expect([host, (await raw(80, 'GET', '/api/runs', { Host: host })).status]).toEqual([
          host,
          200,
        ]);
      }
      expect((await raw(80, 'GET', '/api/runs', { Host: 'attacker.example' })).status).toBe(403);
      // the page's POST: its Origin has no port either
      const post = await raw(
        80,
        'POST',
        '/api/runs',
        { Host: 'localhost', Origin: 'http://localhost', 'Content-Type': 'application/json' },
        '{"epochs": "x"}',
      );
      expect(post.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
