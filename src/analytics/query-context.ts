/** What every named query may read besides the store: the clock, and the pipeline's status when one is served. */
import type { PipelineStatusSource } from './pipeline-status.js';

export interface QueryContext {
  now: Date;
  status?: PipelineStatusSource | undefined;
}
