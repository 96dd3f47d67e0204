/**
 * How fast runGenerator gets records acknowledged by Kafka through kafkajs on this machine:
 * `npx tsx local/generator/producer-speed.ts [ratePerSecond|max] [seconds]`. Uses the embedded
 * cluster, or KAFKA_BROKERS when set; sends to the pipeline's raw topic (nothing consumes it).
 */
import { optionalEnv } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';
import { pipeline } from '../../src/pipeline/definition.js';
import { openKafkaCluster } from '../kafka/kafka-cluster.js';
import { runGenerator } from './rate-limited-producer.js';
import { createTrafficGenerator } from './storefront-traffic.js';

const rateArg = process.argv[2] ?? '2000';
const rate = rateArg === 'max' ? Number.POSITIVE_INFINITY : Number(rateArg);
const seconds = Number(process.argv[3] ?? 10);
if (!(rate > 0) || !(seconds > 0)) {
  console.error(`usage: producer-speed.ts [ratePerSecond|max] [seconds]; got "${process.argv.slice(2).join(' ')}"`);
  process.exit(1);
}

const cluster = await openKafkaCluster(pipeline, { brokers: optionalEnv('KAFKA_BROKERS') });
const publisher = createKafkaPublisher(createKafka(cluster.connection));
try {
  const cpuBefore = process.cpuUsage();
  const summary = await runGenerator({
    generator: createTrafficGenerator({ seed: 1, runId: `speed${Date.now().toString(36)}` }),
    publisher,
    topic: pipeline.topics.raw.name,
    ratePerSecond: rate,
    durationMs: seconds * 1000,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const cpuShare = (cpu.user + cpu.system) / 1000 / summary.elapsedMs;
  console.log(
    `${cluster.describe()}: target ${rateArg}/s for ${seconds} s -> ${summary.acknowledged.toLocaleString('en-US')} acknowledged ` +
      `(${Math.round(summary.actualRatePerSecond).toLocaleString('en-US')}/s), process CPU ${(cpuShare * 100).toFixed(0)}% of one core ` +
      `(broker included when embedded)`,
  );
} finally {
  await publisher.close();
  await cluster.close();
}
