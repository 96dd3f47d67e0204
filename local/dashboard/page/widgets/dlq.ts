/** The dead-letter queue widget: rate, share of ingested records, total, and counts by reason. */
import { sum } from '../answer-cells.js';
import { setKpi, showFigure, showNote, type WidgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { barItem, emptyItem } from '../list-items.js';
import type { PipelineScopes } from './pipeline-answer.js';

/** The DLQ total at the previous answer, for the rate. */
export type DlqReading = { t: number; total: number };

/** Draws the DLQ figures of a pipeline answer at epoch second t; returns the reading the next rate is measured from. */
export function renderDlq(
  dlq: WidgetFrame,
  scopes: PipelineScopes,
  at: { t: number; asOf: string; query: string; notes: readonly string[] },
  previous: DlqReading | null,
): DlqReading {
  const { t } = at;
  const reasons = Object.entries(scopes.dlq ?? {})
    .map(([reason, m]): [string, number] => [reason, m.records ?? 0])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const total = sum(reasons.map(([, n]) => n));
  const ingested = scopes.stage?.ingest?.records_in ?? 0;
  const rate = previous && t > previous.t ? Math.max(0, (total - previous.total) / (t - previous.t)) : null;
  const share = ingested > 0 ? total / ingested : null;
  const statusKnown = scopes.stage !== undefined;
  showFigure(dlq.part('rate'), statusKnown ? `${fmt.rate(rate)} /s` : '–', rate);
  showFigure(dlq.part('share'), statusKnown ? fmt.pct(share) : '–', share);
  showFigure(dlq.part('total'), statusKnown ? fmt.count(total) : '–', total);
  const max = Math.max(0, ...reasons.map(([, n]) => n));
  dlq
    .part('list')
    .replaceChildren(
      ...(reasons.length > 0 || !statusKnown
        ? reasons.map(([reason, n]) => barItem(`dlq-${reason}`, reason, reason, n, fmt.count(n), max > 0 ? n / max : 0))
        : [emptyItem('No records dead-lettered.')]),
    );
  showNote(dlq.part('note'), at.notes);
  setKpi('dlq', statusKnown ? fmt.rate(rate) : '–');
  dlq.shown(total, at.query, at.asOf);
  return { t, total };
}
