/** Minimal SVG charts (bar and line panels on a grid), written by hand so the benchmark needs no chart library. */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text over the bar; defaults to the value. */
  readonly text?: string;
  readonly color?: string;
}

export interface ReferenceLine {
  readonly value: number;
  readonly label: string;
}

export interface BarPanel {
  readonly kind: 'bar';
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
  readonly reference?: ReferenceLine;
}

export interface LineSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  readonly color?: string;
}

export interface LinePanel {
  readonly kind: 'line';
  readonly title: string;
  readonly unit: string;
  /** Category labels along x. */
  readonly x: readonly string[];
  readonly xTitle: string;
  readonly series: readonly LineSeries[];
}

export type Panel = BarPanel | LinePanel;

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'] as const;

const PANEL_W = 440;
const PANEL_H = 270;
const GAP = 24;
const MARGIN = { top: 34, right: 16, bottom: 58, left: 64 };

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** A round axis maximum at or above `max` (1, 2 or 5 times a power of ten). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function formatNumber(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 10_000) return `${Math.round(value / 1000)}k`;
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  if (Math.abs(value) >= 1) return String(Math.round(value * 10) / 10);
  return value.toPrecision(2);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;
}

function axes(w: number, h: number, max: number, unit: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const y = h - (h * i) / 4;
    out.push(`<line x1="0" y1="${y}" x2="${w}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(text(-6, y + 4, formatNumber((max * i) / 4), 'text-anchor="end" font-size="10" fill="#555"'));
  }
  out.push(text(-48, h / 2, unit, `transform="rotate(-90 -48 ${h / 2})" text-anchor="middle" font-size="11" fill="#333"`));
  out.push(`<line x1="0" y1="${h}" x2="${w}" y2="${h}" stroke="#333"/>`);
  return out;
}

/** Approximate width of one character of the 10 px labels. */
const LABEL_CHAR_PX = 5.6;

/** Splits a label into lines that fit a bar's slot, word by word (a word longer than the slot keeps its own line). */
export function wrapLabel(label: string, slotPx: number): string[] {
  const fit = Math.max(1, Math.floor((slotPx - 4) / LABEL_CHAR_PX));
  const lines: string[] = [];
  for (const word of label.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= fit) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

function barPanel(panel: BarPanel, w: number, h: number): string[] {
  const max = niceMax(Math.max(...panel.bars.map((b) => b.value), panel.reference?.value ?? 0) * 1.1);
  const out = axes(w, h, max, panel.unit);
  const slot = w / Math.max(1, panel.bars.length);
  const barW = Math.min(56, slot * 0.6);
  panel.bars.forEach((bar, i) => {
    const bh = (h * Math.max(0, bar.value)) / max;
    const x = i * slot + (slot - barW) / 2;
    out.push(
      `<rect x="${x.toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${barW.toFixed(1)}" height="${bh.toFixed(1)}" fill="${bar.color ?? PALETTE[i % PALETTE.length]}"/>`,
    );
    out.push(text(x + barW / 2, h - bh - 4, bar.text ?? formatNumber(bar.value), 'text-anchor="middle" font-size="10" fill="#222"'));
    wrapLabel(bar.label, slot).forEach((line, j) => {
      out.push(text(x + barW / 2, h + 14 + j * 12, line, 'text-anchor="middle" font-size="10" fill="#333"'));
    });
  });
  if (panel.reference) {
    const y = h - (h * panel.reference.value) / max;
    out.push(`<line x1="0" y1="${y.toFixed(1)}" x2="${w}" y2="${y.toFixed(1)}" stroke="#d62728" stroke-dasharray="5 3"/>`);
    out.push(text(w - 2, y - 4, panel.reference.label, 'text-anchor="end" font-size="10" fill="#d62728"'));
  }
  return out;
}

function linePanel(panel: LinePanel, w: number, h: number): string[] {
  const values = panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...values) * 1.1);
  const out = axes(w, h, max, panel.unit);
  const step = w / Math.max(1, panel.x.length);
  const xAt = (i: number) => step * i + step / 2;
  panel.x.forEach((label, i) => {
    out.push(text(xAt(i), h + 14, label, 'text-anchor="middle" font-size="10" fill="#333"'));
  });
  out.push(text(w / 2, h + 30, panel.xTitle, 'text-anchor="middle" font-size="11" fill="#333"'));
  panel.series.forEach((series, k) => {
    const color = series.color ?? PALETTE[k % PALETTE.length];
    const points = series.values
      .map((v, i) => (v === null ? null : ([xAt(i), h - (h * v) / max, v] as const)))
      .filter((p): p is readonly [number, number, number] => p !== null);
    if (points.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`,
      );
    for (const [x, y, v] of points) {
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${color}"/>`);
      out.push(text(x, y - 7, formatNumber(v), `text-anchor="middle" font-size="10" fill="${color}"`));
    }
    out.push(`<rect x="${w - 120}" y="${-24 + k * 13}" width="10" height="10" fill="${color}"/>`);
    out.push(text(w - 106, -15 + k * 13, series.name, 'font-size="10" fill="#333"'));
  });
  return out;
}

/** Lays the panels out `columns` wide, under a title and a subtitle, as one SVG document. */
export function renderChart(title: string, subtitle: string, panels: readonly Panel[], columns = 3): string {
  const rows = Math.ceil(panels.length / columns);
  const width = columns * PANEL_W + (columns + 1) * GAP;
  const height = 64 + rows * (PANEL_H + GAP);
  const body: string[] = [];
  panels.forEach((panel, i) => {
    const px = GAP + (i % columns) * (PANEL_W + GAP);
    const py = 64 + Math.floor(i / columns) * (PANEL_H + GAP);
    const w = PANEL_W - MARGIN.left - MARGIN.right;
    const h = PANEL_H - MARGIN.top - MARGIN.bottom;
    body.push(`<g transform="translate(${px},${py})">`);
    body.push(`<rect width="${PANEL_W}" height="${PANEL_H}" fill="#fff" stroke="#ddd"/>`);
    body.push(text(10, 20, panel.title, 'font-size="13" font-weight="bold" fill="#222"'));
    body.push(`<g transform="translate(${MARGIN.left},${MARGIN.top})">`);
    body.push(...(panel.kind === 'bar' ? barPanel(panel, w, h) : linePanel(panel, w, h)));
    body.push('</g></g>');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#f7f7f7"/>`,
    text(GAP, 28, title, 'font-size="18" font-weight="bold" fill="#111"'),
    text(GAP, 48, subtitle, 'font-size="12" fill="#555"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
