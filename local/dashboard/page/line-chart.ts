/** Time-series line charts drawn with uPlot, styled for the page's dark theme. */
import type UPlot from 'uplot';
import { minuteClock } from './format.js';
import { loadedUPlot } from './uplot-global.js';

export interface LineSeries {
  label: string;
  color: string;
  values: (number | null)[];
  fill?: string;
  /** false: a missing value breaks the line instead of being bridged. */
  gaps?: boolean;
}

const AXIS = {
  stroke: '#8b95a7',
  font: '11px system-ui, sans-serif',
  grid: { stroke: 'rgba(255,255,255,0.06)', width: 1 },
  ticks: { stroke: 'rgba(255,255,255,0.12)', width: 1, size: 4 },
} satisfies UPlot.Axis;

/**
 * Time labels on one line: "17:56" on whole minutes, ":30" between them. uPlot's default adds a
 * second line with the date, which overlaps the next label on narrow charts.
 */
const timeLabels: UPlot.Axis.DynamicValues = (_u, splits, _axis, _space, incrSeconds) =>
  splits.map((t) => {
    const at = new Date(t * 1000);
    return incrSeconds < 60 && at.getSeconds() !== 0 ? `:${String(at.getSeconds()).padStart(2, '0')}` : minuteClock.format(at);
  });

function chartOptions(
  size: { width: number; height: number },
  series: readonly LineSeries[],
  yFormat: (v: number) => string,
): UPlot.Options {
  return {
    ...size,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { ...AXIS, values: timeLabels },
      { ...AXIS, size: 58, values: (_u, splits) => splits.map(yFormat) },
    ],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.6,
        fill: s.fill,
        spanGaps: s.gaps === false,
        points: { show: false },
      })),
    ],
  };
}

/** A uPlot time-series chart that fills its element, rebuilt only when its series change. */
export class LineChart {
  private plot: UPlot | null = null;
  private shape = '';

  constructor(
    private readonly node: HTMLElement,
    private readonly yFormat: (v: number) => string,
  ) {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(node);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(120, this.node.clientWidth), height: Math.max(80, this.node.clientHeight) };
  }

  /** xs in epoch seconds; one line per series. */
  draw(xs: number[], series: readonly LineSeries[]): void {
    const data: UPlot.AlignedData = [xs, ...series.map((s) => s.values)];
    const shape = series.map((s) => `${s.label}:${s.color}`).join('|');
    if (this.plot && shape === this.shape) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.shape = shape;
    const UPlotChart = loadedUPlot();
    if (!UPlotChart) throw new Error('the charting library did not load');
    this.plot = new UPlotChart(chartOptions(this.size(), series, this.yFormat), data, this.node);
  }
}
