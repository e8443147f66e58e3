// The studio's web server: its page, the files of its runs, a JSON API and a live stream.
//
//   GET  /                         the page (dist/web/studio.html, .js, .css)
//   GET  /runs/:id/:file           a run's report.html, weights.png, model.json, metrics, events
//   GET  /api/runs                 every run: id, status, config, last metrics
//   GET  /api/runs/:id             one run, with its curves (as compare draws them)
//   GET  /api/runs/:id/evaluation  its model on the test set: confusion, misclassified digits
//   GET  /api/runs/:id/weights.png its weight tiles as of its last epoch
//   GET  /api/compare?runs=a,b     runs overlaid, seeds grouped (as `compare --json`)
//   GET  /api/lessons              the lessons: name, title, claim and the runs' options
//   POST /api/runs                 train options as JSON (camelCase) → 201 {"id", "warnings"},
//                                  400 {"errors"}
//   POST /api/runs/:id/stop        interrupt a run started here, as Ctrl-C does
//   POST /api/lessons/:name        start the runs of a lesson → 201 {"ids"}
//   POST /api/predict              {"run", "pixels"} → {"label", "probabilities"}
//   GET  /api/stream               server-sent events: `runs` (the list) whenever a run changes
//
// Safety: it serves its own assets and the files inside its runs folder, nothing else; a request
// whose Host is not this server's (DNS rebinding) or whose Origin is foreign (a cross-site POST)
// is refused; POSTs must be JSON and small; train options are checked before any process starts.

import { readFileSync, realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { join, sep } from 'node:path';
import { compareRuns } from '../report/compare.js';
import { runCurves } from '../report/series.js';
import type { EngineName } from '../wasm/engine.js';
import { LESSONS } from './lessons.js';
import { Models } from './models.js';
import { RUN_ID, Runs } from './runs.js';
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
/** How often the runs folder is looked at for changes, in milliseconds. */
const POLL_MS = 300;

const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** report.html carries its own script and pictures inline, and needs nothing else. */
const REPORT_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

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

function send(response: ServerResponse, status: number, type: string, body: string | Buffer) {
  response.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': type.startsWith('text/html') ? PAGE_POLICY : "default-src 'none'",
  });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown) {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Loopback names and IP literals can be trusted as Host; another name only if it was --host. */
export function hostAllowed(host: string | undefined, port: number, bound: string): boolean {
  if (!host) return false;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:]+):(\d+)$/.exec(host);
  if (!match || Number(match[2]) !== port) return false;
  const name = match[1].replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || isIP(name) !== 0 || name === bound.toLowerCase();
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'the body must be JSON (Content-Type: application/json)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

export class Studio {
  readonly runs: Runs;
  private readonly models: Models;
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private poll: NodeJS.Timeout | null = null;
  private lastList = '';
  port = 0;

  constructor(private readonly options: StudioOptions) {
    this.runs = new Runs(options.runs, options.maxRuns, options.threads);
    this.models = new Models(options.engine);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (response.headersSent) return response.destroy();
        if (error instanceof HttpError) {
          sendJson(response, error.status, error.body ?? { error: error.message });
        } else {
          sendJson(response, 500, { error: `internal error: ${(error as Error).message}` });
        }
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

  /** Stops the runs started here (as Ctrl-C would) and the server. */
  close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.runs.close();
    for (const stream of this.streams) stream.end();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Tells every open stream the list of runs when it changed. */
  private broadcast(): void {
    if (this.streams.size === 0) return;
    const list = JSON.stringify(this.runs.list());
    if (list === this.lastList) return;
    this.lastList = list;
    for (const stream of this.streams) stream.write(`event: runs\ndata: ${list}\n\n`);
  }

  private checkOrigin(request: IncomingMessage): void {
    const host = request.headers.host;
    if (!hostAllowed(host, this.port, this.options.host)) {
      throw new HttpError(403, `refused: Host ${JSON.stringify(host ?? '')} is not this studio`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      throw new HttpError(403, `refused: requests from ${JSON.stringify(origin)} are not allowed`);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.checkOrigin(request);
    const url = new URL(request.url ?? '/', 'http://studio');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const parts = path.split('/').slice(1);

    if (method === 'GET' && ASSETS[path]) {
      const [file, type] = ASSETS[path];
      return send(response, 200, type, readFileSync(new URL(file, WEB)));
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
      const ids = (url.searchParams.get('runs') ?? '').split(',').filter(Boolean);
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
      const id = this.runs.start(checked.args);
      return sendJson(response, 201, { id, warnings: checked.warnings });
    }
    if (method === 'POST' && resource === 'runs' && action === 'stop') {
      const outcome = this.runs.stop(id);
      if (outcome === 'no such run') throw new HttpError(404, `no such run: ${id}`);
      return sendJson(response, outcome === 'stopping' ? 202 : 409, { id, result: outcome });
    }
    if (method === 'POST' && resource === 'lessons' && parts.length === 3) {
      const lesson = LESSONS.find((candidate) => candidate.name === id);
      if (!lesson) throw new HttpError(404, `no such lesson: ${id}`);
      const ids = lesson.runs.map((options) => {
        const checked = trainRequest(options);
        if (!checked.ok) throw new Error(`lesson ${id}: ${JSON.stringify(checked.errors)}`);
        return this.runs.start(checked.args);
      });
      return sendJson(response, 201, { ids });
    }
    if (method === 'POST' && resource === 'predict' && parts.length === 2) {
      return sendJson(response, 200, await this.predict(await readJson(request)));
    }
    throw new HttpError(404, `no such API: ${method} ${path}`);
  }

  private record(id: string) {
    const record = id && RUN_ID.test(id) ? this.runs.record(id) : null;
    if (!record) throw new HttpError(404, `no such run: ${id}`);
    return record;
  }

  private runFile(response: ServerResponse, id: string, name: string): void {
    const type = RUN_FILES[name];
    if (!type || !RUN_ID.test(id)) throw new HttpError(404, 'no such file');
    let file: string;
    try {
      // symlinks (a run's epoch files while it trains) must stay inside the runs folder
      file = realpathSync(join(this.runs.folder, id, name));
      if (!file.startsWith(realpathSync(this.runs.folder) + sep)) throw new Error('outside');
    } catch {
      throw new HttpError(404, 'no such file');
    }
    const body = readFileSync(file);
    if (name === 'report.html') {
      response.setHeader('Content-Security-Policy', REPORT_POLICY);
      response.writeHead(200, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' });
      return void response.end(body);
    }
    send(response, 200, type, body);
  }

  private stream(response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    response.write(`event: runs\ndata: ${JSON.stringify(this.runs.list())}\n\n`);
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
