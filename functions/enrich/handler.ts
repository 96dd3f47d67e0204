/** enrich Lambda: clean -> enriched | dlq. Thin: the work is in src/stages/enrich.ts. */

import { enrichHandler } from '../shared/enrich-handler.js';
import { lambdaStageHandler } from '../shared/function-environment.js';

export const handler = lambdaStageHandler('enrich', enrichHandler);
