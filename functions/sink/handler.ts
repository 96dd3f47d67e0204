/** sink Lambda: enriched -> analytics store (events + rollups, one transaction). */
import { lambdaStageHandler } from '../shared/function-environment.js';
import { sinkHandler } from '../shared/sink-handler.js';

export const handler = lambdaStageHandler('sink', sinkHandler);
