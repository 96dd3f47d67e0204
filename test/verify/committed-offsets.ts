/** Where each stage's consumer group has committed, next to the ends of its input topic. */
import type { Admin, Kafka } from 'kafkajs';
import { type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';

export interface PartitionCommit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset the group will read; -1 when nothing is committed. */
  readonly committed: number;
  /** High watermark: one past the last record. */
  readonly end: number;
  /** First offset still held by the topic. */
  readonly start: number;
}

/** Committed offsets of every stage's group on its input topic. */
export async function stageCommits(kafka: Kafka, pipeline: PipelineDefinition): Promise<Record<StageName, PartitionCommit[]>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await readStageCommits(admin, pipeline);
  } finally {
    await admin.disconnect();
  }
}

/** The same, through an admin client the caller keeps connected. */
export async function readStageCommits(admin: Admin, pipeline: PipelineDefinition): Promise<Record<StageName, PartitionCommit[]>> {
  const entries = await Promise.all(
    STAGE_NAMES.map(async (stage) => {
      const { consumerGroupId, inputTopic } = pipeline.stages[stage];
      const [ends, groupOffsets] = await Promise.all([
        admin.fetchTopicOffsets(inputTopic),
        admin.fetchOffsets({ groupId: consumerGroupId, topics: [inputTopic] }),
      ]);
      const committed = new Map<number, number>();
      for (const p of groupOffsets[0]?.partitions ?? []) committed.set(p.partition, Number(p.offset));
      const rows = ends.map(({ partition, high, low }) => ({
        topic: inputTopic,
        partition,
        committed: committed.get(partition) ?? -1,
        end: Number(high),
        start: Number(low),
      }));
      return [stage, rows.sort((a, b) => a.partition - b.partition)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<StageName, PartitionCommit[]>;
}
