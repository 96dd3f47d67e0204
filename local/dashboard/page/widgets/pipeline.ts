/** DLQ counts by reason, DLQ rate and share, and lag per stage: two widgets drawn from the one pipeline answer. */
import { seconds } from '../answer-cells.js';
import { fixedQueryUrl, queryUrl } from '../api-client.js';
import { setKpi, widgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { LineChart } from '../line-chart.js';
import { Samples } from '../samples.js';
import { QUERIES } from '../settings.js';
import { type DlqReading, renderDlq } from './dlq.js';
import { readPipeline } from './pipeline-answer.js';
import { renderStages, type StagesWidget } from './stages.js';
import type { WidgetView } from './widget-view.js';

export function pipelineWidgets(): WidgetView {
  const dlq = widgetFrame('dlq');
  const frame = widgetFrame('stages');
  const stages: StagesWidget = { frame, lagChart: new LineChart(frame.part('chart'), fmt.count), lagSamples: new Samples() };
  let previous: DlqReading | null = null;
  return {
    request: () => queryUrl(QUERIES.pipeline.name, QUERIES.pipeline.params),
    render(result) {
      const scopes = readPipeline(result);
      const at = { t: seconds(result.asOf), asOf: result.asOf, query: fixedQueryUrl(result), notes: result.notes };
      const stored = scopes.store?.sink?.events_stored;
      if (stored !== undefined) setKpi('stored', fmt.count(stored ?? 0));
      previous = renderDlq(dlq, scopes, at, previous);
      renderStages(stages, scopes, at);
    },
    fail(message) {
      dlq.fail(message);
      stages.frame.fail(message);
    },
  };
}
