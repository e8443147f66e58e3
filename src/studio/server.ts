// The studio's web server: its page, the files of its runs, a JSON API and a live stream.
//
//   GET  /                         the page (dist/web/studio.html, .js, .css, fonts/KaTeX_*)
//   GET  /runs/:id/:file           a run's report.html, weights.png, model.json, metrics, events
//   GET  /api/runs                 every run: id, status, config, last metrics, whether it has a log
//   GET  /api/runs/:id             one run, with its curves (as compare draws them)
//   GET  /api/runs/:id/evaluation  its model on the test set: confusion, misclassified digits
//   GET  /api/runs/:id/weights.png its weight tiles as of its last epoch
//   GET  /api/compare?run=a&run=b  runs overlaid, seeds grouped (as `compare --json`); also
//                                  ?runs=a,b
//   GET  /api/lessons              the lessons: name, title, claim and the runs' options
//   POST /api/runs                 train options as JSON (camelCase) → 201 {"id", "warnings"},
//                                  400 {"errors"}; 429 when MAX_QUEUED runs wait already; 409
//                                  when the runs folder cannot take a new run folder
//   POST /api/runs/:id/stop        interrupt a run started here, as Ctrl-C does
//   POST /api/runs/:id/control     {"action": "pause" | "step" | "resume" | "lr", "lr"?} to a run
//                                  started here, before its next batch → 202; 409 not running;
//                                  400 not a control
//   GET  /api/runs/:id/snapshots   {"steps"}: the steps of its weight pictures (run/snapshots.ts)
//   GET  /api/runs/:id/snapshots/:step   one of them, a PNG
//   GET  /api/runs/:id/control     where it stands: {"step", "paused", "lr"}, or null
//   GET  /api/runs/:id/step        the inside of the last step it took by Step (its step.json,
//                                  checked: run/stepFile.ts), or null when it took none
//   POST /api/runs/:id/resume      continue an interrupted run (`train --resume`) → 202; 409
//                                  when it is not interrupted or runs already; 429 queue full
//   POST /api/lessons/:name        start the runs of a lesson → 201 {"ids"} (429: all or none)
//   GET  /api/lessons/:name/figures?run=a&run=b   what the lesson's runs (in its order) show so
//                                  far: its figures and chart (lessonFigures.ts), each arm's status
//                                  (a run Stop took out of the queue: `not started`)
//   POST /api/lessons/:name/stop   {"runs": [ids]}: stops each of the lesson's runs as its own
//                                  Stop does, at once (none queued starts meanwhile) → 202
//                                  {"results"}; 409 {"results", "error"} when none was queued or
//                                  running (the lesson has ended)
//   POST /api/runs/:id/explain     {"index"} (a test image) or {"pixels", "label"}, optional
//                                  "reset" → one sample laid open on the view's copy of the
//                                  model (stepViews.ts): z, p, both losses, p − y, the squared
//                                  error's gradient, dW, p after one SGD step
//   POST /api/runs/:id/explain/step  the same sample → that step applied to the copy (never to
//                                  the run's model.json): p and the weights before and after
//   POST /api/predict              {"run", "pixels"} → {"label", "probabilities"}
//   GET  /api/stream               server-sent events: `runs` (the list) whenever a run changes
//
// A run's id in a path is its folder's name, URL-encoded (`/api/runs/my%20run`). A run whose files
// cannot be read (a damaged model.json) answers 409 with one line naming the file.
//
// Safety: it serves its own assets and the files inside its runs folder, nothing else (no link
// out of it is followed); a request whose Host is not this server's (DNS rebinding) or whose
// Origin is foreign (a cross-site POST) is refused; POSTs must be JSON, small and sent within
// BODY_SECONDS; train options are checked before any process starts. The files of run folders
// are served sandboxed (`Content-Security-Policy: sandbox`): a page in a run folder (report.html,
// or one put there by hand) runs in an origin of its own, and cannot call the API as the studio.
// What it holds is bounded: a live-stream client that stops reading is dropped once
// STREAM_BUFFER bytes wait for it (the page's EventSource reconnects), at most MAX_QUEUED runs
// wait, and an event log is read from where the last look left off.

import { snapshotName, snapshotSteps, SNAPSHOTS_FOLDER } from '../run/snapshots.js';
import { parseStepFile, STEP_FILE } from '../run/stepFile.js';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { compareRuns } from '../report/compare.js';
import { runCurves } from '../report/series.js';
import type { EngineName } from '../wasm/engine.js';
import { lessonFigures, NOT_STARTED, type ArmRecord } from './lessonFigures.js';
import { armLabel, LESSONS, type Lesson } from './lessons.js';
import { Models } from './models.js';
import { MAX_QUEUED, RUN_ID, Runs } from './runs.js';
import { StepViewInputError, StepViews } from './stepViews.js';
import { trainRequest } from './trainRequest.js';

const WEB = new URL('../../dist/web/', import.meta.url);

const ASSETS: Record<string, [file: string, type: string]> = {
  '/': ['studio.html', 'text/html; charset=utf-8'],
  '/studio.js': ['studio.js', 'text/javascript; charset=utf-8'],
  '/studio.css': ['studio.css', 'text/css; charset=utf-8'],
};

/** The files of a run folder the server hands out. */
const RUN_FILES: Record<string, string> = {
  'report.html': 'text/html; charset=utf-8',
  'weights.png': 'image/png',
  'curves.svg': 'image/svg+xml',
  'model.json': 'application/json',
  'metrics.json': 'application/json',
  'metrics.jsonl': 'application/jsonl',
  'metrics.csv': 'text/csv',
  'events.jsonl': 'application/jsonl',
};

const MAX_BODY = 64 * 1024;
/** A request body must arrive within this many seconds (one sent a byte a second is cut off). */
const BODY_SECONDS = 5;
/** Bytes of events waiting for a live-stream client before it is dropped as not reading. */
const STREAM_BUFFER = 1024 * 1024;
/** How often the runs folder is looked at for changes, in milliseconds. */
const POLL_MS = 300;

const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/**
 * A run folder's files run in a sandbox, an origin of their own: report.html carries its own
 * script and pictures inline and needs nothing else; no popup, no form, no call as the studio.
 */
const RUN_FILE_POLICY = "default-src 'none'; sandbox";
const REPORT_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; " +
  'sandbox allow-scripts';

export interface StudioOptions {
  runs: string;
  host: string;
  port: number;
  maxRuns: number;
  threads: number;
  /** The engine of the page's predictions and evaluations (each run names its own). */
  engine: EngineName;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: object,
  ) {
    super(message);
  }
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  policy = type.startsWith('text/html') ? PAGE_POLICY : "default-src 'none'",
) {
  response.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': policy,
  });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown) {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/**
 * Loopback names and IP literals can be trusted as Host; another name only if it was --host. The
 * port must be this server's; a Host without one means 80, HTTP's default (as browsers send it).
 */
export function hostAllowed(host: string | undefined, port: number, bound: string): boolean {
  if (!host) return false;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(host);
  if (!match || Number(match[2] ?? 80) !== port) return false;
  const name = match[1].replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || isIP(name) !== 0 || name === bound.toLowerCase();
}

/** Whether an Origin header names this Host (`http://localhost` is `localhost:80`). */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const from = new URL(origin);
    return from.protocol === 'http:' && from.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

/** The path's segments, URL-decoded (`my%20run` is the run `my run`). */
function segments(path: string): string[] {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `not a valid URL path: ${path}`);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'the body must be JSON (Content-Type: application/json)');
  }
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: HttpError) => {
      clearTimeout(timer);
      request.removeAllListeners('data');
      request.pause();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new HttpError(408, `the body did not arrive within ${BODY_SECONDS} s`)),
      BODY_SECONDS * 1000,
    );
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY)
        return fail(new HttpError(413, `the body is larger than ${MAX_BODY} bytes`));
      chunks.push(chunk);
    });
    request.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

/** The lesson `name` and its runs' ids (`runs`: one per arm, in its order), or an HttpError. */
function lessonRuns(name: string, runs: unknown): { lesson: Lesson; ids: string[] } {
  const lesson = LESSONS.find((candidate) => candidate.name === name);
  if (!lesson) throw new HttpError(404, `no such lesson: ${name}`);
  const count = lesson.runs.length;
  if (!Array.isArray(runs) || runs.length !== count || !runs.every((r) => typeof r === 'string')) {
    throw new HttpError(400, `lesson ${name} has ${count} runs: give each one's id, in order`);
  }
  return { lesson, ids: runs as string[] };
}

export class Studio {
  readonly runs: Runs;
  private readonly models: Models;
  private readonly stepViews: StepViews;
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private poll: NodeJS.Timeout | null = null;
  private lastList = '';
  port = 0;

  constructor(private readonly options: StudioOptions) {
    this.runs = new Runs(options.runs, options.maxRuns, options.threads);
    this.models = new Models(options.engine);
    this.stepViews = new StepViews(this.models, options.engine);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (response.headersSent) return response.destroy();
        // a body not read to its end (too slow, too large): the connection cannot be reused
        if (!request.complete) response.shouldKeepAlive = false;
        if (error instanceof HttpError) {
          sendJson(response, error.status, error.body ?? { error: error.message });
        } else if (error instanceof StepViewInputError) {
          sendJson(response, 400, { error: error.message });
        } else if (error instanceof UserError) {
          // a run's files (a damaged model.json, a runs folder that cannot take a run)
          sendJson(response, 409, { error: error.message });
        } else {
          sendJson(response, 500, { error: `internal error: ${(error as Error).message}` });
        }
        if (!request.complete) response.on('finish', () => request.socket.destroySoon());
      });
    });
  }

  /** Starts listening; resolves with the port (the one asked for, or a free one for 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        const address = this.server.address();
        this.port = typeof address === 'object' && address ? address.port : this.options.port;
        this.poll = setInterval(() => this.broadcast(), POLL_MS);
        resolve(this.port);
      });
    });
  }

  /** Stops the runs started here (as Ctrl-C would) and the server, with its connections. */
  close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.runs.close();
    for (const stream of this.streams) stream.end();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  /** Tells every open stream the list of runs when it changed. */
  private broadcast(): void {
    if (this.streams.size === 0) return;
    const list = JSON.stringify(this.runs.list());
    if (list === this.lastList) return;
    this.lastList = list;
    for (const stream of this.streams) this.tell(stream, list);
  }

  /**
   * Sends the list to one stream, or drops a client that has left STREAM_BUFFER bytes unread
   * (memory that would grow with every change for as long as it stays connected).
   */
  private tell(stream: ServerResponse, list: string): void {
    if (stream.writableLength > STREAM_BUFFER) {
      this.streams.delete(stream);
      stream.destroy();
      return;
    }
    stream.write(`event: runs\ndata: ${list}\n\n`);
  }

  private checkOrigin(request: IncomingMessage): void {
    const host = request.headers.host;
    if (!hostAllowed(host, this.port, this.options.host)) {
      throw new HttpError(403, `refused: Host ${JSON.stringify(host ?? '')} is not this studio`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, host!)) {
      throw new HttpError(403, `refused: requests from ${JSON.stringify(origin)} are not allowed`);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.checkOrigin(request);
    const url = new URL(request.url ?? '/', 'http://studio');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const parts = segments(path);

    if (method === 'GET' && ASSETS[path]) {
      const [file, type] = ASSETS[path];
      return send(response, 200, type, readFileSync(new URL(file, WEB)));
    }
    // the typesetting's fonts (KaTeX's, bundled by build:web beside studio.css)
    const font = /^\/fonts\/(KaTeX_[A-Za-z0-9_-]+\.(woff2|woff|ttf))$/.exec(path);
    if (method === 'GET' && font) {
      let body: Buffer;
      try {
        body = readFileSync(new URL(`fonts/${font[1]}`, WEB));
      } catch {
        throw new HttpError(404, 'no such file');
      }
      return send(response, 200, `font/${font[2]}`, body);
    }
    if (method === 'GET' && path === '/favicon.ico') {
      response.writeHead(204);
      return void response.end();
    }
    if (method === 'GET' && parts[0] === 'runs' && parts.length === 3) {
      return this.runFile(response, parts[1], parts[2]);
    }
    if (parts[0] !== 'api') throw new HttpError(404, `no such page: ${path}`);
    const [, resource, id, action] = parts;

    if (method === 'GET' && resource === 'stream' && parts.length === 2) {
      return this.stream(response);
    }
    if (method === 'GET' && resource === 'lessons' && parts.length === 2) {
      return sendJson(response, 200, LESSONS);
    }
    if (method === 'GET' && resource === 'runs' && parts.length === 2) {
      return sendJson(response, 200, this.runs.list());
    }
    if (method === 'GET' && resource === 'compare' && parts.length === 2) {
      const ids = [
        ...url.searchParams.getAll('run'),
        ...(url.searchParams.get('runs') ?? '').split(',').filter(Boolean),
      ];
      const records = ids.map((runId) => this.record(runId));
      return sendJson(response, 200, compareRuns(records));
    }
    if (method === 'GET' && resource === 'runs' && parts.length === 3) {
      const record = this.record(id);
      const summary = this.runs.list().find((run) => run.id === id);
      const curves = runCurves(record.events, record.history);
      return sendJson(response, 200, { ...summary, history: record.history, curves });
    }
    if (method === 'GET' && resource === 'runs' && action === 'evaluation') {
      const record = this.record(id);
      const evaluation = await this.models.evaluation(record.folder, record.config);
      return sendJson(response, 200, evaluation);
    }
    if (method === 'GET' && resource === 'runs' && action === 'weights.png') {
      const weights = await this.models.weights(this.record(id).folder);
      // a run before its first epoch has no model yet: nothing to show, not an error
      if (!weights) return send(response, 204, 'image/png', Buffer.alloc(0));
      response.setHeader('X-Largest-Weight', String(weights.largest));
      return send(response, 200, 'image/png', weights.png);
    }
    if (method === 'POST' && resource === 'runs' && parts.length === 2) {
      const checked = trainRequest(await readJson(request));
      if (!checked.ok) throw new HttpError(400, 'bad train options', { errors: checked.errors });
      this.checkRoom(1);
      const id = this.runs.start(checked.args);
      return sendJson(response, 201, { id, warnings: checked.warnings });
    }
    if (method === 'POST' && resource === 'runs' && action === 'stop') {
      const outcome = this.runs.stop(id);
      if (outcome === 'no such run') throw new HttpError(404, `no such run: ${id}`);
      return sendJson(response, outcome === 'stopping' ? 202 : 409, { id, result: outcome });
    }
    if (method === 'POST' && resource === 'runs' && action === 'explain' && parts.length <= 5) {
      const which = parts[4];
      if (which !== undefined && which !== 'step') throw new HttpError(404, `no such API: ${path}`);
      const record = this.record(id);
      const body = await readJson(request);
      const { folder, config } = record;
      const answer =
        which === 'step'
          ? await this.stepViews.step(id, folder, config, body)
          : await this.stepViews.explain(id, folder, config, body);
      if (!answer) throw new HttpError(409, `run ${id} has no model yet (no epoch has finished)`);
      return sendJson(response, 200, answer);
    }
    if (method === 'POST' && resource === 'runs' && action === 'control') {
      const outcome = this.runs.control(id, await readJson(request));
      if (outcome === 'no such run') throw new HttpError(404, `no such run: ${id}`);
      if (outcome === 'not a control') {
        throw new HttpError(
          400,
          'a control is {"action": "pause" | "step" | "resume" | "lr", "lr"?: a rate > 0}',
        );
      }
      return sendJson(response, outcome === 'sent' ? 202 : 409, { id, result: outcome });
    }
    if (method === 'GET' && resource === 'runs' && action === 'snapshots') {
      const folder = this.runs.pathOf(id);
      if (!folder) throw new HttpError(404, `no such run: ${id}`);
      if (parts.length === 4) return sendJson(response, 200, { steps: snapshotSteps(folder) });
      const step = Number(parts[4]);
      const file =
        parts.length === 5 && /^\d{1,9}$/.test(parts[4])
          ? this.runs.realInside(join(folder, SNAPSHOTS_FOLDER, snapshotName(step)))
          : null;
      if (!file) throw new HttpError(404, 'no such snapshot');
      return send(response, 200, 'image/png', readFileSync(file));
    }
    if (method === 'GET' && resource === 'runs' && action === 'control') {
      return sendJson(response, 200, this.runs.controlState(id));
    }
    if (method === 'GET' && resource === 'runs' && action === 'step' && parts.length === 4) {
      const folder = this.runs.pathOf(id);
      if (!folder) throw new HttpError(404, `no such run: ${id}`);
      const file = this.runs.realInside(join(folder, STEP_FILE));
      if (!file) return sendJson(response, 200, null);
      return sendJson(
        response,
        200,
        parseStepFile(readFileSync(file, 'utf8'), `${id}/${STEP_FILE}`),
      );
    }
    if (method === 'GET' && resource === 'lessons' && action === 'figures' && parts.length === 4) {
      return sendJson(response, 200, this.lessonFigures(id, url.searchParams.getAll('run')));
    }
    if (method === 'POST' && resource === 'lessons' && action === 'stop' && parts.length === 4) {
      const { runs } = ((await readJson(request)) ?? {}) as { runs?: unknown };
      const { ids } = lessonRuns(id, runs);
      // in one go: a run stopped here ends later, and only then does a queued one start
      const results = ids.map((runId) => this.runs.stop(runId));
      if (results.includes('stopping')) return sendJson(response, 202, { results });
      const error = `lesson ${id}: none of its runs is queued or running (they have ended)`;
      return sendJson(response, 409, { results, error });
    }
    if (method === 'POST' && resource === 'runs' && action === 'resume') {
      if (!this.runs.record(id)) throw new HttpError(404, `no such run: ${id}`);
      this.checkRoom(1);
      const outcome = this.runs.resume(id);
      if (outcome === 'no such run') throw new HttpError(404, `no such run: ${id}`);
      return sendJson(response, outcome === 'resuming' ? 202 : 409, { id, result: outcome });
    }
    if (method === 'POST' && resource === 'lessons' && parts.length === 3) {
      const lesson = LESSONS.find((candidate) => candidate.name === id);
      if (!lesson) throw new HttpError(404, `no such lesson: ${id}`);
      const checked = lesson.runs.map((options) => {
        const result = trainRequest(options);
        if (!result.ok) throw new Error(`lesson ${id}: ${JSON.stringify(result.errors)}`);
        return result;
      });
      this.checkRoom(checked.length);
      const ids = checked.map((result, arm) => this.runs.start(result.args, armLabel(lesson, arm)));
      return sendJson(response, 201, { ids });
    }
    if (method === 'POST' && resource === 'predict' && parts.length === 2) {
      return sendJson(response, 200, await this.predict(await readJson(request)));
    }
    throw new HttpError(404, `no such API: ${method} ${path}`);
  }

  /**
   * A lesson's figures from its runs as they stand: a run queued or starting (no folder yet)
   * counts as an arm without a log, not as an error; one Stop took out of the queue, as an arm
   * not started.
   */
  private lessonFigures(name: string, runs: string[]) {
    const { lesson, ids } = lessonRuns(name, runs);
    const listed = this.runs.list();
    const arms = ids.map((runId): ArmRecord & { id: string } => {
      if (this.runs.neverStarted(runId)) return { id: runId, status: NOT_STARTED, events: [] };
      const summary = listed.find((run) => run.id === runId);
      if (!summary) throw new HttpError(404, `no such run: ${runId}`);
      const record = this.runs.record(runId);
      return {
        id: runId,
        status: summary.status,
        events: record?.events ?? [],
      };
    });
    return {
      ...lessonFigures(lesson, arms),
      arms: arms.map(({ id, status }, a) => ({ id, status, name: lesson.arms[a] })),
    };
  }

  /** Refuses (429) runs that would make more than MAX_QUEUED wait. */
  private checkRoom(count: number): void {
    if (!this.runs.hasRoom(count)) {
      throw new HttpError(
        429,
        `the queue is full: ${MAX_QUEUED} runs wait already; stop one or wait for one to start`,
      );
    }
  }

  private record(id: string) {
    const record = id && RUN_ID.test(id) ? this.runs.record(id) : null;
    if (record) return record;
    const problem = id && RUN_ID.test(id) ? this.runs.problem(id) : null;
    if (problem) throw new HttpError(409, `run ${id}: ${problem}`);
    throw new HttpError(404, `no such run: ${id}`);
  }

  private runFile(response: ServerResponse, id: string, name: string): void {
    const type = RUN_FILES[name];
    // the run folder, and the file through its links (a run's epoch files while it trains),
    // must stay inside the runs folder
    const folder = type ? this.runs.pathOf(id) : null;
    const file = folder ? this.runs.realInside(join(folder, name)) : null;
    if (!file) throw new HttpError(404, 'no such file');
    const body = readFileSync(file);
    send(response, 200, type, body, name === 'report.html' ? REPORT_POLICY : RUN_FILE_POLICY);
  }

  private stream(response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    this.tell(response, JSON.stringify(this.runs.list()));
    this.streams.add(response);
    response.on('close', () => this.streams.delete(response));
  }

  private async predict(body: unknown) {
    const { run, pixels } = (body ?? {}) as { run?: unknown; pixels?: unknown };
    if (typeof run !== 'string') throw new HttpError(400, '"run" must be a run id');
    const record = this.record(run);
    const network = await this.models.network(record.folder);
    if (!network) throw new HttpError(409, `run ${run} has no model yet (no epoch has finished)`);
    const size = network.inputSize;
    if (
      !Array.isArray(pixels) ||
      pixels.length !== size ||
      !pixels.every((p) => typeof p === 'number' && p >= 0 && p <= 255)
    ) {
      throw new HttpError(
        400,
        `"pixels" must be ${size} numbers from 0 to 255 (${network.input.height}×` +
          `${network.input.width}, light ink on black), not ` +
          (Array.isArray(pixels) ? `${pixels.length} values` : typeof pixels),
      );
    }
    return this.models.predict(record.folder, pixels as number[]);
  }
}
