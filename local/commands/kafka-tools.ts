/**
 * Kafka tools over the running twin's embedded Kafka (or KAFKA_BROKERS): `topics` (partitions,
 * end offsets), `tail <topic>` (decoded records, -f to follow), `groups` (each stage's committed
 * offsets and lag) and `groups seek <stage> --to <time>`. The embedded cluster lives inside the
 * twin's process but listens on real ports, which the twin publishes in `.data/twin.json`.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { parseBrokerList } from '../../src/config/env.js';
import { DlqHeader } from '../../src/kafka/header-names.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { definePipeline, type PipelineDefinition, STAGE_NAMES, type StageName, type TopicRole } from '../../src/pipeline/definition.js';
import { CliUsageError } from '../cli-error.js';
import { parseSeekTarget } from '../dashboard/twin-api.js';
import { offsetsForTime } from '../kafka/offsets-for-time.js';
import type { StageSeek } from '../twin/stage-seek.js';
import { resolveBrokers, runningTwin } from '../twin/twin-address.js';
import { TwinApiClient } from '../twin/twin-api-client.js';
import { formatTable } from './table-format.js';

interface Connection {
  kafka: Kafka;
  pipeline: PipelineDefinition;
}

function connect(clientId: string): Connection {
  const { brokers, pipelineName } = resolveBrokers();
  return {
    kafka: createKafka({ brokers: parseBrokerList(brokers), auth: { type: 'none' }, clientId }),
    pipeline: definePipeline({ name: pipelineName }),
  };
}

/** On the embedded Kafka the twin reads the stage's input topic to find the offsets for a time. */
const SEEK_TIMEOUT_MS = 180_000;

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** A topic's full name, or its role in the pipeline (raw, clean, enriched, dlq, failures). */
export function topicName(pipeline: PipelineDefinition, name: string): string {
  const byRole = pipeline.topics[name as TopicRole];
  return byRole ? byRole.name : name;
}

export async function topicsCommand(options: { json?: boolean }): Promise<void> {
  const { kafka } = connect('tributary-topics');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata();
    const rows = [];
    for (const topic of topics.filter((t) => !t.name.startsWith('__')).sort((a, b) => a.name.localeCompare(b.name))) {
      const offsets = (await admin.fetchTopicOffsets(topic.name)).sort((a, b) => a.partition - b.partition);
      rows.push({
        topic: topic.name,
        partitions: topic.partitions.length,
        records: offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
        endOffsets: offsets.map((p) => Number(p.high)),
      });
    }
    if (options.json) return out(JSON.stringify(rows, null, 2));
    out(
      formatTable(
        ['topic', 'partitions', 'records', 'end offsets by partition'],
        rows.map((r) => [r.topic, r.partitions, r.records, r.endOffsets.join(' ')]),
      ),
    );
  } finally {
    await admin.disconnect();
  }
}

export interface GroupRow {
  stage: StageName;
  group: string;
  topic: string;
  partitions: { partition: number; committed: number | null; end: number; lag: number }[];
  lag: number;
}

/** Committed offsets and lag of each stage's consumer group. */
export async function readGroups(kafka: Kafka, pipeline: PipelineDefinition): Promise<GroupRow[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const rows: GroupRow[] = [];
    for (const stage of STAGE_NAMES) {
      const { consumerGroupId: group, inputTopic: topic } = pipeline.stages[stage];
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const partitions = ends
        .map((end) => {
          const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset;
          const at = offset === undefined || Number(offset) < 0 ? null : Number(offset);
          return { partition: end.partition, committed: at, end: Number(end.high), lag: Number(end.high) - (at ?? Number(end.low)) };
        })
        .sort((a, b) => a.partition - b.partition);
      rows.push({ stage, group, topic, partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) });
    }
    return rows;
  } finally {
    await admin.disconnect();
  }
}

export async function groupsCommand(options: { json?: boolean }): Promise<void> {
  const { kafka, pipeline } = connect('tributary-groups');
  const rows = await readGroups(kafka, pipeline);
  if (options.json) return out(JSON.stringify(rows, null, 2));
  out(
    formatTable(
      ['stage', 'group', 'topic', 'lag', 'committed / end by partition'],
      rows.map((r) => [
        r.stage,
        r.group,
        r.topic,
        r.lag,
        r.partitions.map((p) => `${p.partition}:${p.committed ?? '-'}/${p.end}`).join(' '),
      ]),
    ),
  );
}

/**
 * `groups seek <stage> --to <time>`: through the running twin, which moves the stage inside its
 * running mapping; with no twin, straight on KAFKA_BROKERS, which needs the group to be empty.
 */
export async function groupsSeekCommand(stage: string, options: { to?: string }): Promise<void> {
  if (!(STAGE_NAMES as readonly string[]).includes(stage))
    throw new CliUsageError(`unknown stage "${stage}"; stages: ${STAGE_NAMES.join(', ')}`);
  const to = options.to === undefined ? undefined : parseSeekTarget(options.to);
  if (options.to === undefined || to === undefined) {
    throw new CliUsageError('--to must be an ISO 8601 time (2026-01-01T12:00:00Z), a duration ago (15m), earliest or latest');
  }
  const twin = runningTwin();
  const result = twin?.url
    ? await new TwinApiClient(twin.url).post<StageSeek>(`/api/groups/${stage}/seek`, { to: options.to }, SEEK_TIMEOUT_MS)
    : await resetStoppedGroup(stage as StageName, to);
  out(describeSeek(result, options.to, twin?.url !== undefined));
}

/** Commits the group's offsets for `to` directly; Kafka allows that only while the group has no members. */
async function resetStoppedGroup(stage: StageName, to: number): Promise<StageSeek> {
  const { kafka, pipeline } = connect('tributary-groups-seek');
  const { inputTopic: topic, consumerGroupId: groupId } = pipeline.stages[stage];
  const partitions = await offsetsForTime(kafka, topic, to, { readRecords: false });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic, partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) })) });
  } catch (error) {
    if (error instanceof Error && /no running instances/.test(error.message)) {
      throw new CliUsageError(
        `the ${groupId} group has running members (${error.message}); stop its consumers first, or seek through a running twin`,
      );
    }
    throw error;
  } finally {
    await admin.disconnect();
  }
  return { stage, groupId, topic, partitions };
}

function describeSeek(result: StageSeek, to: string, running: boolean): string {
  const { stage, groupId, topic, partitions } = result;
  const positions = partitions.map((p) => `${p.partition}:${p.offset}`).join(' ');
  const ahead = partitions.reduce((sum, p) => sum + p.end - p.offset, 0);
  if (ahead === 0) {
    return `no records at or after ${to} on ${topic}: ${groupId} is at the end of every partition (${positions}); nothing is processed again`;
  }
  const when = running ? 'the running' : 'once it runs, the';
  return (
    `moved ${groupId} on ${topic} to ${to} (${positions}): ${when} ${stage} stage processes the ${ahead} records from there again ` +
    '(the sink skips events it already stored)'
  );
}

function decode(message: KafkaMessage): unknown {
  const text = message.value?.toString('utf8');
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `tail <topic>`: the last n records of every partition, decoded; with follow, new ones as they come until Ctrl-C. */
export async function tailCommand(topicArg: string, options: { lines?: string; follow?: boolean; json?: boolean }): Promise<void> {
  const lines = Number(options.lines ?? '10');
  if (!Number.isInteger(lines) || lines < 0) throw new CliUsageError(`-n must be a whole number, got "${options.lines}"`);
  const { kafka, pipeline } = connect('tributary-tail');
  const topic = topicName(pipeline, topicArg);
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; high: string; low: string }[];
  try {
    const { topics } = await admin.fetchTopicMetadata();
    if (!topics.some((t) => t.name === topic)) {
      throw new CliUsageError(
        `no topic "${topic}"; topics: ${topics
          .map((t) => t.name)
          .filter((n) => !n.startsWith('__'))
          .join(', ')}`,
      );
    }
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const start = new Map(offsets.map((p) => [p.partition, Math.max(Number(p.low), Number(p.high) - lines)]));
  const pending = new Set(offsets.filter((p) => Number(p.high) > (start.get(p.partition) ?? 0)).map((p) => p.partition));
  const ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  const next = new Map(start);
  if (!options.follow && pending.size === 0) return;

  // A throwaway group that commits nothing: tailing leaves no trace.
  const consumer = kafka.consumer({ groupId: `tributary-tail-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  const finished = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const print = (partition: number, message: KafkaMessage) => {
      const offset = Number(message.offset);
      // Each offset once (the seek after subscribing from the beginning can deliver some twice), and
      // without -f only what the partition held when asked: records produced since belong to -f.
      if (offset < (next.get(partition) ?? 0)) return;
      if (!options.follow && offset >= (ends.get(partition) ?? 0)) return;
      next.set(partition, offset + 1);
      const record = {
        partition,
        offset,
        time: new Date(Number(message.timestamp)).toISOString(),
        key: message.key?.toString('utf8') ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString()])),
        value: decode(message),
      };
      const reason = record.headers[DlqHeader.reason];
      out(
        options.json
          ? JSON.stringify(record)
          : `${record.time} ${topic} ${partition}:${offset} key=${record.key ?? '-'}${reason ? ` reason=${reason}` : ''} ${JSON.stringify(record.value)}`,
      );
      if (!options.follow && offset + 1 >= (ends.get(partition) ?? 0)) {
        pending.delete(partition);
        if (pending.size === 0) resolve();
      }
    };
    void consumer.subscribe({ topic, fromBeginning: true }).then(() =>
      consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => print(partition, message) }).then(() => {
        for (const [partition, offset] of start) consumer.seek({ topic, partition, offset: String(offset) });
      }),
    );
  });
  try {
    await finished;
  } finally {
    await consumer.disconnect();
  }
}
