// What the static pages (report.html, compare.html) share: escaping, values shown plainly, and
// the chart script and style (dist/web, built by esbuild from src/web) inlined, so that each page
// is one self-contained file that needs no network.

import { readFileSync } from 'node:fs';
import type { CurvesEntry } from './series.js';

const WEB = new URL('../../dist/web/', import.meta.url);

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A configuration value as a person reads it: `mnist`, `256, 128`, `–` for none. */
export function plainValue(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (Array.isArray(value)) return value.length ? value.map(plainValue).join(', ') : '–';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** JSON inside a <script> element: `<` escaped, so no text can close the element. */
function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

let assets: { script: string; style: string } | null = null;

/** The charts' style and script, and the curves they draw, for the end of a page's body. */
export function chartsHtml(entries: CurvesEntry[]): { head: string; body: string } {
  assets ??= {
    script: readFileSync(new URL('page.js', WEB), 'utf8'),
    style: readFileSync(new URL('page.css', WEB), 'utf8'),
  };
  return {
    head: `<style>\n${assets.style}\n</style>`,
    body:
      `<div id="charts"></div>\n` +
      `<script id="curves" type="application/json">${embeddedJson({ entries })}</script>\n` +
      `<script>\n${assets.script.replace(/<\/script/gi, '<\\/script')}\n</script>`,
  };
}
