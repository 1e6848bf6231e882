import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  type ChartLabels,
  chartLabels,
  renderNewFixedChart,
  renderTrendChart,
} from '../../src/chart/posture-charts.ts';
import { renderVega } from '../../src/chart/render.ts';
import { activityOf, weeklyTrend } from '../../src/digest/trend.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { fixedHistory } from '../helpers/posture-history.ts';

const i18n = createI18n();
const { counts, episodes, now } = fixedHistory();
const points = weeklyTrend(counts, activityOf(episodes), now, 'Asia/Tokyo');

/** Share of pixels that are not white, and how many distinct colours the image has. */
function inspect(png: Buffer) {
  const image = PNG.sync.read(png);
  let inked = 0;
  const colours = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
    if (r < 250 || g < 250 || b < 250) inked += 1;
    colours.add((r << 16) | (g << 8) | b);
  }
  return {
    width: image.width,
    height: image.height,
    inked: inked / (image.width * image.height),
    colours: colours.size,
  };
}

/** Pixels inked by a title alone, rendered on an otherwise empty chart. */
async function titleInk(title: string): Promise<number> {
  const { png } = await renderVega({
    width: 300,
    height: 40,
    padding: 8,
    title: { text: title, fontSize: 16 },
  });
  return inspect(png).inked;
}

describe('posture charts', () => {
  it("the weekly trend: 12 weeks, failing counts as of each week's last recorded day, new and fixed per week", () => {
    expect(points).toHaveLength(12);
    expect(points.at(-1)?.weekEnd).toBe('2026-11-30');
    expect(points[0]?.weekEnd).toBe('2026-09-14');
    expect(points.at(-1)?.failing).toEqual({ CRITICAL: 2, HIGH: 8, MEDIUM: 17, LOW: 7 });
    expect(points[4]?.failing.CRITICAL).toBe(6);
    expect(points.reduce((n, p) => n + p.newCount, 0)).toBe(84);
  });

  for (const lang of ['ja', 'en'] as const) {
    it(`renders the trend and the new-vs-fixed chart to PNG in ${lang}: right size, not blank, in colour`, async () => {
      const t = i18n.getFixedT(lang);
      for (const chart of [
        await renderTrendChart(points, chartLabels(t, 'trend')),
        await renderNewFixedChart(points, chartLabels(t, 'newFixed')),
      ]) {
        const seen = inspect(chart.png);
        expect([seen.width, seen.height]).toEqual([chart.width, chart.height]);
        expect(seen.width).toBeGreaterThanOrEqual(1200);
        expect(seen.height).toBeGreaterThanOrEqual(600);
        expect(seen.inked).toBeGreaterThan(0.2);
        expect(seen.colours).toBeGreaterThan(20);
      }
    });
  }

  it('draws Japanese text with the bundled font, not as tofu boxes', async () => {
    // A missing glyph is drawn as the same box (or nothing) whatever the character: two different
    // Japanese titles of the same length would then ink the same pixels.
    const a = await titleInk('重要度別の失敗した検出結果');
    const b = await titleInk('週ごとの新規と修復済みです');
    expect(a).toBeGreaterThan(0.01);
    expect(b).toBeGreaterThan(0.01);
    expect(Math.abs(a - b)).toBeGreaterThan(0.0005);
  });

  it('labels come from the locale files', () => {
    const labels: ChartLabels = chartLabels(i18n.getFixedT('ja'), 'trend');
    expect(labels.severity.CRITICAL).toBe('重大');
    expect(labels.title).toContain('12 週間');
  });
});
