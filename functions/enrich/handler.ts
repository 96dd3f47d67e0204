/** enrich Lambda: clean -> enriched | dlq. Thin: the work is in src/stages/enrich.ts. */
import { lambdaStageHandler } from '../shared/function-environment.js';
import { enrichHandler } from './enrich-handler.js';

export const handler = lambdaStageHandler('enrich', enrichHandler);
