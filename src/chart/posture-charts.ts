import type { TFunction } from 'i18next';
import type { Spec } from 'vega';
import { type Severity, severities } from '../catalog/schema.ts';
import type { WeekPoint } from '../digest/trend.ts';
import { chartHeight, chartWidth, type RenderedChart, renderVega } from './render.ts';

/** Every label a chart shows, already in the viewer's language. */
export interface ChartLabels {
  title: string;
  week: string;
  count: string;
  severity: Record<Severity, string>;
  newLabel: string;
  fixedLabel: string;
}

const severityColours: Record<Severity, string> = {
  CRITICAL: '#8e0000',
  HIGH: '#e4572e',
  MEDIUM: '#f3a712',
  LOW: '#5b8fd6',
};

const shortDate = (day: string) => day.slice(5).replace('-', '/');

function frame(title: string): Pick<Spec, 'width' | 'height' | 'padding' | 'autosize' | 'title' | 'config'> {
  return {
    // The plot area; axes, legend and title are added around it ('pad'), so the PNG is a little larger.
    width: chartWidth,
    height: chartHeight,
    // Headless Vega estimates text widths; room on the right keeps a long legend label whole.
    padding: { left: 12, top: 12, bottom: 12, right: 48 },
    autosize: { type: 'pad' },
    title: { text: title, fontSize: 16, anchor: 'start' },
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 12 } },
  };
}

/** Failing findings by severity over the weeks, stacked (most severe on top). */
export function trendSpec(points: readonly WeekPoint[], labels: ChartLabels): Spec {
  const values = points.flatMap((p) =>
    severities.map((s, order) => ({
      week: shortDate(p.weekEnd),
      severity: labels.severity[s],
      order,
      count: p.failing[s],
    })),
  );
  return {
    ...frame(labels.title),
    data: [
      {
        name: 'table',
        values,
        transform: [
          { type: 'stack', groupby: ['week'], sort: { field: 'order', order: 'descending' }, field: 'count' },
        ],
      },
    ],
    scales: [
      { name: 'x', type: 'point', range: 'width', domain: points.map((p) => shortDate(p.weekEnd)) },
      {
        name: 'y',
        type: 'linear',
        range: 'height',
        nice: true,
        zero: true,
        domain: { data: 'table', field: 'y1' },
      },
      {
        name: 'colour',
        type: 'ordinal',
        domain: severities.map((s) => labels.severity[s]),
        range: severities.map((s) => severityColours[s]),
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: labels.week },
      { orient: 'left', scale: 'y', title: labels.count, grid: true, tickMinStep: 1 },
    ],
    legends: [{ fill: 'colour', orient: 'right' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'series', data: 'table', groupby: 'severity' } },
        marks: [
          {
            type: 'area',
            from: { data: 'series' },
            encode: {
              enter: {
                interpolate: { value: 'monotone' },
                x: { scale: 'x', field: 'week' },
                y: { scale: 'y', field: 'y0' },
                y2: { scale: 'y', field: 'y1' },
                fill: { scale: 'colour', field: 'severity' },
                fillOpacity: { value: 0.9 },
              },
            },
          },
        ],
      },
    ],
  };
}

/** New against fixed failures per week, side by side. */
export function newFixedSpec(points: readonly WeekPoint[], labels: ChartLabels): Spec {
  const values = points.flatMap((p) => [
    { week: shortDate(p.weekEnd), series: labels.newLabel, count: p.newCount },
    { week: shortDate(p.weekEnd), series: labels.fixedLabel, count: p.fixedCount },
  ]);
  return {
    ...frame(labels.title),
    data: [{ name: 'table', values }],
    scales: [
      {
        name: 'x',
        type: 'band',
        range: 'width',
        padding: 0.2,
        domain: points.map((p) => shortDate(p.weekEnd)),
      },
      {
        name: 'y',
        type: 'linear',
        range: 'height',
        nice: true,
        zero: true,
        domain: { data: 'table', field: 'count' },
      },
      {
        name: 'colour',
        type: 'ordinal',
        domain: [labels.newLabel, labels.fixedLabel],
        range: ['#e4572e', '#2e8b57'],
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: labels.week },
      { orient: 'left', scale: 'y', title: labels.count, grid: true, tickMinStep: 1 },
    ],
    legends: [{ fill: 'colour', orient: 'right' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'week', data: 'table', groupby: 'week' } },
        encode: { enter: { x: { scale: 'x', field: 'week' }, width: { scale: 'x', band: 1 } } },
        signals: [{ name: 'width', update: "bandwidth('x')" }],
        scales: [{ name: 'inner', type: 'band', range: 'width', domain: { data: 'week', field: 'series' } }],
        marks: [
          {
            type: 'rect',
            from: { data: 'week' },
            encode: {
              enter: {
                x: { scale: 'inner', field: 'series' },
                width: { scale: 'inner', band: 1 },
                y: { scale: 'y', field: 'count' },
                y2: { scale: 'y', value: 0 },
                fill: { scale: 'colour', field: 'series' },
              },
            },
          },
        ],
      },
    ],
  };
}

export function renderTrendChart(points: readonly WeekPoint[], labels: ChartLabels): Promise<RenderedChart> {
  return renderVega(trendSpec(points, labels));
}

export function renderNewFixedChart(
  points: readonly WeekPoint[],
  labels: ChartLabels,
): Promise<RenderedChart> {
  return renderVega(newFixedSpec(points, labels));
}

/** The labels of one chart in one language. */
export function chartLabels(t: TFunction, chart: 'trend' | 'newFixed'): ChartLabels {
  return {
    title: t(chart === 'trend' ? 'posture.chart.trendTitle' : 'posture.chart.newFixedTitle'),
    week: t('posture.chart.week'),
    count: t('posture.chart.count'),
    severity: Object.fromEntries(severities.map((s) => [s, t(`severity.${s}`)])) as Record<Severity, string>,
    newLabel: t('posture.chart.new'),
    fixedLabel: t('posture.chart.fixed'),
  };
}
