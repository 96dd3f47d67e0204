import { describe, expect, it } from 'vitest';
import { escapeXml, formatNumber, niceMax, renderChart, wrapLabel } from '../../../bench/report/svg-chart.js';

describe('renderChart', () => {
  const svg = renderChart('Title <&>', 'sub', [
    {
      kind: 'bar',
      title: 'Throughput',
      unit: 'events/s',
      bars: [
        { label: 'relay', value: 4000 },
        { label: 'pipeline & co', value: 2500 },
      ],
      reference: { value: 2400, label: 'target' },
    },
    {
      kind: 'line',
      title: 'Scaling',
      unit: 'events/s',
      xTitle: 'partitions',
      x: ['1', '3', '6'],
      series: [{ name: 'pipeline', values: [1000, null, 3000] }],
    },
  ]);

  it('is one well-formed SVG document with every panel, bar and point', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g /g)?.length).toBe(svg.match(/<\/g>/g)?.length);
    expect(svg).toContain('Title &lt;&amp;&gt;');
    expect(svg).toContain('pipeline &amp; co');
    expect(svg.match(/<rect x=/g)?.length).toBeGreaterThanOrEqual(2);
    expect(svg.match(/<circle /g)?.length).toBe(2);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });
});

describe('axis helpers', () => {
  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(4300)).toBe(5000);
    expect(niceMax(2100)).toBe(2500);
    expect(niceMax(0.009)).toBeCloseTo(0.01, 10);
  });

  it('formats numbers compactly and escapes XML', () => {
    expect(formatNumber(12_345)).toBe('12k');
    expect(formatNumber(1500)).toBe('1.5k');
    expect(formatNumber(0.0042)).toBe('0.0042');
    expect(escapeXml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&apos;');
  });
});

describe('wrapLabel', () => {
  it('fills each line with as many words as fit the slot, so neighbouring labels do not overlap', () => {
    expect(wrapLabel('PostgreSQL same work by COPY', 80)).toEqual(['PostgreSQL', 'same work by', 'COPY']);
    expect(wrapLabel('PostgreSQL same work by COPY', 400)).toEqual(['PostgreSQL same work by COPY']);
    expect(wrapLabel('PGlite p99', 60)).toEqual(['PGlite p99']);
    for (const line of wrapLabel('Kafka relay ceiling after the pipeline runs', 70)) expect(line.length * 5.6).toBeLessThanOrEqual(70);
  });

  it('keeps a word longer than the slot whole, on a line of its own', () => {
    expect(wrapLabel('supercalifragilistic x', 30)).toEqual(['supercalifragilistic', 'x']);
  });
});
