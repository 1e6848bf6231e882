import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';

/** The CJK font shipped as an npm package, loaded by path: no system font is needed, so no tofu. */
const fontFamily = 'Noto Sans JP';
const fontFile = createRequire(import.meta.url).resolve(
  '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
);

/** The plot area in CSS pixels; the PNG is drawn at twice this scale for sharp text. */
export const chartWidth = 600;
export const chartHeight = 300;

export interface RenderedChart {
  png: Buffer;
  width: number;
  height: number;
}

/** A Vega spec to SVG (headless, no canvas) and then to PNG, in this process. */
export async function renderVega(spec: vega.Spec): Promise<RenderedChart> {
  const view = new vega.View(vega.parse(spec, { font: fontFamily } as vega.Config), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const rendered = new Resvg(svg, {
    font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: fontFamily },
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: 2 },
  }).render();
  return { png: rendered.asPng(), width: rendered.width, height: rendered.height };
}
