/** Reads the DLQ or the failure destination topic into entries, in partition and offset order. */
import type { Kafka } from 'kafkajs';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { readTopicToEnd } from '../kafka/read-topic.js';
import { type DlqEntry, type DlqSource, parseDlqMessage, parseFailureMessage } from './dlq-entry.js';

/** The topic each source names in the pipeline. */
export function dlqTopicName(pipeline: PipelineDefinition, from: DlqSource): string {
  return from === 'dlq' ? pipeline.topics.dlq.name : pipeline.topics.failures.name;
}

export async function readDlqEntries(kafka: Kafka, pipeline: PipelineDefinition, from: DlqSource, timeoutMs?: number): Promise<DlqEntry[]> {
  const messages = await readTopicToEnd(kafka, dlqTopicName(pipeline, from), timeoutMs);
  const entries = messages.map((m) => (from === 'dlq' ? parseDlqMessage(m) : parseFailureMessage(m, pipeline)));
  return entries.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
