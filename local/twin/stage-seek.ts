/**
 * `groups seek` in the running twin: a stage's consumer group moves to a point in time inside its
 * running mapping, so the group keeps its members and no rebalance happens (the embedded Kafka's
 * group coordinator holds a rejoin until the consumer crashes).
 */
import type { Kafka } from 'kafkajs';
import type { MappedStageDefinition, StageName } from '../../src/pipeline/definition.js';
import type { EventSourceMapping } from '../esm/event-source-mapping.js';
import { offsetsForTime, type PartitionTarget } from '../kafka/offsets-for-time.js';

export interface StageSeek {
  stage: StageName;
  groupId: string;
  topic: string;
  /** Each partition's new position and its end: end - offset records are delivered again. */
  partitions: PartitionTarget[];
}

export interface StageSeekRequest {
  readonly kafka: Kafka;
  readonly stage: StageName;
  readonly definition: MappedStageDefinition;
  readonly mapping: EventSourceMapping;
  /** Epoch ms, or SeekTo.earliest / SeekTo.latest. */
  readonly to: number;
  /** The cluster cannot answer offsets by time (the embedded Kafka): read the records. */
  readonly readRecords: boolean;
}

export async function seekStage({ kafka, stage, definition, mapping, to, readRecords }: StageSeekRequest): Promise<StageSeek> {
  const { inputTopic: topic, consumerGroupId: groupId } = definition;
  const partitions = await offsetsForTime(kafka, topic, to, { readRecords });
  await mapping.seek(new Map(partitions.map((p) => [p.partition, p.offset])));
  return { stage, groupId, topic, partitions };
}
