/** The pipeline answer's (scope, name, metric, value) rows, read into scope -> name -> metric -> value. */
import type { QueryResult } from '../../../../src/analytics/index.js';
import { numberOrNull, textOf } from '../answer-cells.js';

/** metric -> value; null where the figure is not known (e.g. lag while the twin stops). */
export type Metrics = Record<string, number | null>;
/** Scopes: `store` (the sink's batches), `stage` (per stage, from the twin's status), `dlq` (per reason). */
export type PipelineScopes = Record<string, Record<string, Metrics>>;

export function readPipeline(result: QueryResult): PipelineScopes {
  const scopes: PipelineScopes = {};
  for (const [scopeCell, nameCell, metricCell, value] of result.rows) {
    const scope = textOf(scopeCell);
    const name = textOf(nameCell);
    scopes[scope] ??= {};
    scopes[scope][name] ??= {};
    scopes[scope][name][textOf(metricCell)] = numberOrNull(value);
  }
  return scopes;
}
