/**
 * Chart benchmark: the 12-week trend and the new-vs-fixed chart from the fixed history, each
 * rendered 1 + 20 times in this process (the first, cold, shown apart); median and p90 of the rest
 * and the PNG size.
 */
import { chartLabels, renderNewFixedChart, renderTrendChart } from '../../src/chart/posture-charts.ts';
import { activityOf, weeklyTrend } from '../../src/digest/trend.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { fixedHistory } from '../helpers/posture-history.ts';

export async function benchChart(repeats = 20) {
  const { counts, episodes, now } = fixedHistory();
  const points = weeklyTrend(counts, activityOf(episodes), now, 'Asia/Tokyo');
  const t = createI18n().getFixedT('ja');
  const charts = {
    trend: () => renderTrendChart(points, chartLabels(t, 'trend')),
    newFixed: () => renderNewFixedChart(points, chartLabels(t, 'newFixed')),
  };
  const results: Record<string, unknown> = {};
  for (const [name, render] of Object.entries(charts)) {
    const times: number[] = [];
    let bytes = 0;
    let size = '';
    for (let i = 0; i <= repeats; i++) {
      const started = performance.now();
      const chart = await render();
      times.push(performance.now() - started);
      bytes = chart.png.length;
      size = `${chart.width}x${chart.height}`;
    }
    const [cold, ...warm] = times;
    warm.sort((a, b) => a - b);
    results[name] = {
      coldMs: Math.round(cold ?? 0),
      warmMs: {
        median: Math.round(warm[Math.floor(warm.length / 2)] ?? 0),
        p90: Math.round(warm[Math.ceil(warm.length * 0.9) - 1] ?? 0),
      },
      pngBytes: bytes,
      size,
    };
  }
  return { name: 'chart', setup: { weeks: points.length, repeats }, ...results };
}
