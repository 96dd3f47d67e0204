/**
 * The topics of a pipeline as the Kafka admin API and the CDK topic resources take them. Apart from
 * ensure-topics.ts so that the CDK app reads them without loading a Kafka client.
 */
import type { PipelineDefinition } from './definition.js';

/** What a topic must look like. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** retention.ms; -1 keeps records forever. */
  readonly retentionMs: number;
}

/** The topics of a pipeline definition as specs. */
export function topicSpecsFromPipeline(pipeline: PipelineDefinition): TopicSpec[] {
  return [...Object.values(pipeline.topics), ...pipeline.changeCapture.topics].map((t) => ({
    name: t.name,
    partitions: t.partitions,
    replicationFactor: t.replicationFactor,
    retentionMs: t.retentionHours * 3_600_000,
  }));
}
