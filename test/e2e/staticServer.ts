// A plain static web server (node:http, files only) for the folder `studio --static` writes, as
// any static host serves it: the tests of the static studio open its page in Chromium.

import { existsSync, readFileSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { haveChromium, launchChromium } from '../browser.js';
import { runCli } from '../helpers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/**
 * Serves the files of `folder`, each with `headers` besides its type (none: the page is not
 * cross-origin isolated); records each path asked for in `served`.
 */
export function staticServer(
  folder: string,
  served: string[],
  headers: OutgoingHttpHeaders = {},
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url!, 'http://x').pathname);
    served.push(path);
    const file = join(folder, normalize(path === '/' ? '/index.html' : path));
    if (!file.startsWith(folder) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { ...headers, 'Content-Type': type });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The server's origin: http://127.0.0.1:PORT. */
export function originOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Writes `studio --static`'s folder into `site` (`options`: more of its options, such as
 * `--static-full`), serves it plainly (`served` hears each path) and launches Chromium where
 * there is one: a test file's beforeAll.
 */
export async function openStaticSite(
  site: string,
  served: string[],
  options: string[] = [],
): Promise<{ server: Server; browser: Browser }> {
  const written = runCli(['studio', '--static', site, ...options]);
  if (written.status !== 0) throw new Error(written.stderr);
  const server = await staticServer(site, served);
  return { server, browser: haveChromium ? await launchChromium() : (undefined as never) };
}

/** Its afterAll: each closed if it was opened. */
export async function closeStaticSite(opened: {
  server?: Server;
  browser?: Browser;
}): Promise<void> {
  await opened.browser?.close();
  opened.server?.close();
}

/**
 * A page's init script that keeps the messages of the given types its worker posts in
 * `window[name]`, where a test reads them (the page's own handling is untouched).
 */
export function keepWorkerMessages(name: string, types: string[]): string {
  return `
    window.${name} = [];
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url, options) {
        super(url, options);
        this.addEventListener('message', ({ data }) => {
          if (${JSON.stringify(types)}.includes(data.type)) window.${name}.push(data);
        });
      }
    };
  `;
}
