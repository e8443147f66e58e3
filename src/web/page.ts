// The script of the static pages (report.html, compare.html): draws the charts of the curves
// embedded in the page as JSON (<script id="curves" type="application/json">).

import type { CurvesEntry } from '../report/series.js';
import { drawCharts } from './charts.js';
import './page.css';

const data = document.getElementById('curves');
const target = document.getElementById('charts');
if (data && target) {
  const { entries } = JSON.parse(data.textContent ?? '{}') as { entries: CurvesEntry[] };
  drawCharts(target, entries);
}
