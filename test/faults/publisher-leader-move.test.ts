/**
 * The pipeline's publisher (createKafkaPublisher) while a partition leader moves: a publish that
 * resolves must have written every record. Deterministic: the leader of one partition moves between
 * two publishes, so the second goes to the old leader first.
 */
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedKafka, startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { readTopicToEnd } from '../../local/kafka/read-topic.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';

const TOPIC = 'leader-move';

describe('publisher under a partition leader move', () => {
  let cluster: EmbeddedKafka;
  let publisher: RecordPublisher;

  beforeAll(async () => {
    cluster = await startEmbeddedKafka({ brokers: 3, topics: [{ name: TOPIC, partitions: 3 }] });
    for (let p = 0; p < 3; p++) cluster.setPartitionLeader(TOPIC, p, p + 1);
    publisher = createKafkaPublisher(
      createKafka({ brokers: cluster.brokers, auth: { type: 'none' }, clientId: 'leader-move' }, { logLevel: logLevel.NOTHING }),
    );
  });

  afterAll(async () => {
    await publisher?.close();
    await cluster?.stop();
  });

  it('writes every record of a publish that resolved after the leader of one of its partitions moved', async () => {
    // Keys spread over every partition, so each publish goes to all three leaders.
    const records = (round: string): OutputRecord[] =>
      Array.from({ length: 60 }, (_, i) => ({ topic: TOPIC, key: `user-${i}`, value: `${round}-${i}`, headers: {} }));
    await publisher.publish(records('before'));
    // Partition 1 moves from broker 2 to broker 1; the publisher still has broker 2 as its leader.
    cluster.setPartitionLeader(TOPIC, 1, 1);
    await publisher.publish(records('after'));

    const values = (await readTopicToEnd(createKafka({ brokers: cluster.brokers, auth: { type: 'none' }, clientId: 'reader' }), TOPIC)).map(
      (m) => String(m.value),
    );
    const after = values.filter((v) => v.startsWith('after-'));
    expect(values.filter((v) => v.startsWith('before-'))).toHaveLength(60);
    // kafkajs 2.2.4 resolves the publish without re-sending the records of the moved partition.
    expect(after, 'records of the resolved publish found in the topic').toHaveLength(60);
    expect(new Set(after)).toEqual(new Set(records('after').map((r) => String(r.value))));
  });
});
