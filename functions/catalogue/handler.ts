/** catalogue Lambda: shop products, prices and currency rates (Debezium change events) -> the reference data enrich joins. */
import { catalogueHandler } from '../shared/change-stage-handler.js';
import { lambdaStageHandler } from '../shared/function-environment.js';

export const handler = lambdaStageHandler('catalogue', catalogueHandler);
