/** The stages widget: records in, out and to the DLQ per stage, and a line of each stage's lag per refresh. */
import { sum } from '../answer-cells.js';
import { stageColor } from '../colors.js';
import { el, setKpi, showNote, type WidgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import type { LineChart } from '../line-chart.js';
import type { Samples } from '../samples.js';
import type { Metrics, PipelineScopes } from './pipeline-answer.js';

export interface StagesWidget {
  readonly frame: WidgetFrame;
  readonly lagChart: LineChart;
  readonly lagSamples: Samples;
}

/** Draws the stage figures of a pipeline answer at epoch second t. */
export function renderStages(
  { frame, lagChart, lagSamples }: StagesWidget,
  scopes: PipelineScopes,
  at: { t: number; asOf: string; query: string; notes: readonly string[] },
): void {
  const stages = scopes.stage ?? {};
  const stageNames = Object.keys(stages);
  const lagOf = (name: string) => stages[name]?.lag ?? null;
  const lagTotal = sum(stageNames.map(lagOf));
  frame.part('rows').replaceChildren(...stageNames.map((name) => stageRow(name, stages[name] ?? {})));
  showNote(frame.part('note'), at.notes);
  if (stageNames.length > 0) {
    lagSamples.add(at.t, Object.fromEntries(stageNames.map((s) => [s, lagOf(s)])));
    lagChart.draw(
      lagSamples.xs(),
      stageNames.map((s, i) => ({ label: s, color: stageColor(s, i), values: lagSamples.series(s), gaps: false })),
    );
    setKpi('lag', fmt.count(lagTotal));
  }
  frame.shown(scopes.stage !== undefined ? lagTotal : null, at.query, at.asOf);
}

function stageRow(name: string, m: Metrics): HTMLTableRowElement {
  const lag = m.lag ?? null;
  const recordsIn = m.records_in ?? 0;
  const recordsOut = m.records_out ?? 0;
  const recordsToDlq = m.records_to_dlq ?? 0;
  return el(
    'tr',
    { testId: `stage-${name}`, data: { key: name, value: lag ?? '', in: recordsIn, out: recordsOut, dlq: recordsToDlq } },
    el('td', {}, name),
    el('td', {}, fmt.count(recordsIn)),
    el('td', {}, fmt.count(recordsOut)),
    el('td', {}, fmt.count(recordsToDlq)),
    el('td', { className: (lag ?? 0) > 1000 ? 'lag-high' : '' }, lag === null ? '–' : fmt.count(lag)),
  );
}
