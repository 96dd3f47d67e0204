/** ingest Lambda: raw -> clean | dlq. Thin: the work is in src/stages/ingest.ts. */
import { lambdaStageHandler } from '../shared/function-environment.js';
import { ingestHandler } from '../shared/ingest-handler.js';

export const handler = lambdaStageHandler('ingest', ingestHandler);
