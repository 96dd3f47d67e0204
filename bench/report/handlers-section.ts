/** Each handler invoked alone (the Lambda view), and the handler cores without I/O. */
import { pipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import type { StoreKind } from '../model/bench-results.js';
import type { BenchReport } from './bench-report.js';
import { row, STORE_NAMES, storeColumns } from './report-values.js';

const DEFAULT_BATCH = pipeline.stages.ingest.batchSize;

export function handlersSection(report: BenchReport, stores: readonly StoreKind[]): string[] {
  const handlerStores = stores.filter((s) => report.handlers[s]);
  if (handlerStores.length === 0) return [];
  const widths = storeColumns(stores);
  const batch = DEFAULT_BATCH;
  const out = [row([`Handlers alone, batches of ${batch}`, ...handlerStores.map((s) => STORE_NAMES[s])], widths)];
  for (const stage of STAGE_NAMES) {
    const cells = handlerStores.map((s) => {
      const point = report.handlers[s]?.stages[stage].points.find((p) => p.records === batch);
      return point ? `${((point.wallMs * 1000) / batch).toFixed(1)} / ${((point.activeMs * 1000) / batch).toFixed(1)}` : '-';
    });
    out.push(row([`  ${stage} µs/record wall / CPU`, ...cells], widths));
  }
  if (report.stageCost) {
    out.push(
      `  bench/cost/stage-cost.ts (cores only, no I/O): ingest ${report.stageCost.ingestMicrosPerRecord ?? '?'} µs/record, enrich ${report.stageCost.enrichMicrosPerRecord ?? '?'} µs/record`,
    );
  }
  out.push('');
  return out;
}
