/**
 * `tributary cdc`: the change-data capture alone, from any PostgreSQL with wal_level=logical
 * (SOURCE_DATABASE_URL) to Kafka (KAFKA_BROKERS, else the running twin), in Debezium's format.
 * Prints progress every 2 s; Ctrl-C stops after Kafka acknowledged what was sent, and the slot
 * keeps the position, so the next run resumes where this one stopped.
 */
import { logLevel } from 'kafkajs';
import { parseBrokerList, requireEnv } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { startChangeCapture } from '../cdc/change-capture.js';
import { CliUsageError } from '../cli-error.js';
import { resolveBrokers } from '../twin/twin-address.js';

export interface CdcOptions {
  tables?: string;
  topicPrefix?: string;
  slot?: string;
  publication?: string;
  stateDir?: string;
}

export async function cdcCommand(options: CdcOptions): Promise<void> {
  const sourceUrl = requireEnv('SOURCE_DATABASE_URL');
  const { brokers, pipelineName } = resolveBrokers();
  const pipeline = definePipeline({ name: pipelineName });
  const tables = options.tables
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const table of tables ?? []) {
    if (!/^[^.\s]+\.[^.\s]+$/.test(table)) throw new CliUsageError(`--tables takes schema.table names, got "${table}"`);
  }
  const kafka = createKafka(
    { brokers: parseBrokerList(brokers), auth: { type: 'none' }, clientId: 'tributary-cdc' },
    { logLevel: logLevel.ERROR },
  );
  const publisher = createKafkaPublisher(kafka);
  const admin = kafka.admin();
  await admin.connect();
  const err = process.stderr;
  const capture = await startChangeCapture({
    sourceUrl,
    topicPrefix: options.topicPrefix ?? pipeline.changeCapture.topicPrefix,
    slotName: options.slot ?? pipeline.changeCapture.slotName,
    publicationName: options.publication ?? pipeline.changeCapture.publicationName,
    tables,
    publisher,
    stateDir: options.stateDir ?? '.data/cdc',
    onWarning: (message) => err.write(`\nwarning: ${message}\n`),
    ensureTopic: async (topic) => {
      const existing = await admin.listTopics();
      if (existing.includes(topic)) return;
      // Brokers that refuse the admin call (the embedded cluster) create topics on first produce or not at all.
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }).catch((error: unknown) => {
        err.write(`warning: could not create topic ${topic}: ${(error as Error).message}\n`);
      });
    },
  }).catch(async (error: unknown) => {
    await admin.disconnect();
    await publisher.close();
    throw error;
  });
  err.write(`Capturing ${capture.tables.map((t) => `${t.schema}.${t.table}`).join(', ')} to ${brokers}; Ctrl-C stops.\n`);
  const ticker = setInterval(() => {
    const s = capture.stats();
    err.write(
      `\rsnapshot ${s.snapshotRows} rows · ${s.changesPublished} changes published · ${s.transactionsConfirmed} transactions confirmed · LSN ${s.confirmedLsn} · pending ${s.pendingRecords}   `,
    );
  }, 2000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(ticker);
  err.write('\nStopping...\n');
  await capture.stop();
  await admin.disconnect();
  await publisher.close();
  const s = capture.stats();
  err.write(`Stopped at LSN ${s.confirmedLsn}: ${s.changesPublished} changes published.\n`);
}
