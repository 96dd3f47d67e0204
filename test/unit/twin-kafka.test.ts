/**
 * The twin's Kafka factory is where its kafkajs patches are composed: a client from it runs with the
 * project's patches and the twin's join patch. Test files run in fresh processes, so nothing here
 * is patched before the factory runs.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PATCHED_MODULE } from '../../local/kafka/single-flight-join.js';
import { createTwinKafka, isTwinKafka } from '../../local/kafka/twin-kafka.js';
import { createKafka } from '../../src/kafka/kafka-client.js';

const require = createRequire(import.meta.url);
const connection = { brokers: ['127.0.0.1:1'], auth: { type: 'none' as const }, clientId: 'unit' };
const joinPatched = () =>
  (require(PATCHED_MODULE) as { prototype: Record<symbol, unknown> }).prototype[Symbol.for('tributary.singleFlightJoin')];
const queueTimerPatched = () =>
  (require('kafkajs/src/network/requestQueue/index.js') as { prototype: Record<symbol, unknown> }).prototype[
    Symbol.for('tributary.kafkajs.requestQueueTimer')
  ];

describe('createTwinKafka', () => {
  it('installs the join patch only for the twin, with the patches every client gets', () => {
    const plain = createKafka(connection);
    expect(queueTimerPatched()).toBe(true);
    expect(joinPatched()).toBeUndefined();

    const twin = createTwinKafka(connection);
    expect(joinPatched()).toBe(true);
    expect(isTwinKafka(twin)).toBe(true);
    expect(isTwinKafka(plain)).toBe(false);
  });
});
