/**
 * The capture as its own process, so a fault test can kill it with SIGKILL. Configured by
 * environment: CDC_SOURCE_URL, CDC_BROKERS, CDC_SLOT, CDC_PREFIX, CDC_STATE_DIR. Prints READY once
 * streaming, then a stats line every 50 ms.
 */
import { startChangeCapture } from '../../local/cdc/change-capture.js';
import { requireEnv } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';

const publisher = createKafkaPublisher(
  createKafka({ brokers: requireEnv('CDC_BROKERS').split(','), auth: { type: 'none' }, clientId: 'cdc-child' }),
);
const capture = await startChangeCapture({
  sourceUrl: requireEnv('CDC_SOURCE_URL'),
  topicPrefix: requireEnv('CDC_PREFIX'),
  slotName: requireEnv('CDC_SLOT'),
  tables: ['public.customers', 'public.orders', 'public.order_lines'],
  publisher,
  stateDir: requireEnv('CDC_STATE_DIR'),
  onWarning: (m) => process.stderr.write(`${m}\n`),
});
process.stdout.write('READY\n');
setInterval(() => process.stdout.write(`STATS ${JSON.stringify(capture.stats())}\n`), 50);
