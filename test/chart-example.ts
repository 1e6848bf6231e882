/**
 * `npm run chart:example`: renders the README's charts with the project's own renderer from the
 * fixed history in test/helpers/posture-history.ts, into docs/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { chartLabels, renderNewFixedChart, renderTrendChart } from '../src/chart/posture-charts.ts';
import { activityOf, weeklyTrend } from '../src/digest/trend.ts';
import { createI18n } from '../src/i18n/index.ts';
import { fixedHistory } from './helpers/posture-history.ts';

const { counts, episodes, now } = fixedHistory();
const points = weeklyTrend(counts, activityOf(episodes), now, 'Asia/Tokyo');
const i18n = createI18n();
mkdirSync('docs', { recursive: true });
const outputs = [
  {
    file: 'docs/posture-trend-ja.png',
    render: () => renderTrendChart(points, chartLabels(i18n.getFixedT('ja'), 'trend')),
  },
  {
    file: 'docs/posture-new-fixed-en.png',
    render: () => renderNewFixedChart(points, chartLabels(i18n.getFixedT('en'), 'newFixed')),
  },
];
for (const { file, render } of outputs) {
  const started = performance.now();
  const chart = await render();
  const ms = Math.round(performance.now() - started);
  writeFileSync(file, chart.png);
  process.stdout.write(
    `${file} ${chart.width}x${chart.height} ${chart.png.length} bytes, rendered in ${ms} ms\n`,
  );
}
