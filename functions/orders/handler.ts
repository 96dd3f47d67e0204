/** orders Lambda: shop orders and order lines (Debezium change events) -> the order mirror in the analytics store. */
import { ordersHandler } from '../shared/change-stage-handler.js';
import { lambdaStageHandler } from '../shared/function-environment.js';

export const handler = lambdaStageHandler('orders', ordersHandler);
