/**
 * Generated storefront events taken through the real ingest and enrich cores: the Kafka records
 * each stage receives (raw, clean, enriched), plus the mean record size on each topic.
 */

import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { sampleReferenceData } from '../../local/reference/sample-reference-data.js';
import { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import type { KafkaRecord, OutputRecord } from '../../src/kafka/msk-event.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { enrichBatch } from '../../src/stages/enrich.js';
import { ingestBatch } from '../../src/stages/ingest.js';

export interface StageRecords {
  readonly raw: KafkaRecord[];
  readonly clean: KafkaRecord[];
  readonly enriched: KafkaRecord[];
  /** Mean value bytes per record on each topic. */
  readonly bytes: { raw: number; clean: number; enriched: number };
}

const CHUNK = 1000;

function toKafkaRecords(topic: string, items: readonly Pick<OutputRecord, 'key' | 'value'>[], partitions: number): KafkaRecord[] {
  const now = Date.now();
  return items.map((item, i) => ({
    topic,
    partition: i % partitions,
    offset: i,
    timestamp: now,
    timestampType: 'CREATE_TIME' as const,
    key: item.key === null ? null : Buffer.from(item.key),
    value: item.value === null ? null : Buffer.from(item.value),
    headers: [],
  }));
}

const meanBytes = (records: readonly KafkaRecord[]) =>
  records.length === 0 ? 0 : Math.round(records.reduce((n, r) => n + (r.value?.length ?? 0), 0) / records.length);

/** `count` valid events (no invalid records, no duplicates) as each stage receives them, enriched with the sample reference data. */
export function makeStageRecords(pipeline: PipelineDefinition, count: number, seed: number): StageRecords {
  const generator = createTrafficGenerator({
    seed,
    runId: `bench${seed.toString(36)}${Date.now().toString(36)}`,
    invalidShare: 0,
    duplicateShare: 0,
  });
  const { raw, clean, enriched } = pipeline.topics;
  const partitions = raw.partitions;
  const rawRecords = toKafkaRecords(
    raw.name,
    Array.from({ length: count }, () => generator.next()),
    partitions,
  );
  const reference = sampleReferenceData();
  const agents = new UserAgentClassifier();
  const cleanRecords: KafkaRecord[] = [];
  const enrichedRecords: KafkaRecord[] = [];
  for (let i = 0; i < rawRecords.length; i += CHUNK) {
    const outputs = ingestBatch(rawRecords.slice(i, i + CHUNK), pipeline).outputs.filter((o) => o.topic === clean.name);
    const cleanChunk = toKafkaRecords(clean.name, outputs, partitions);
    cleanRecords.push(...cleanChunk);
    const next = enrichBatch(cleanChunk, pipeline, reference, agents).outputs.filter((o) => o.topic === enriched.name);
    enrichedRecords.push(...toKafkaRecords(enriched.name, next, partitions));
  }
  return {
    raw: rawRecords,
    clean: cleanRecords,
    enriched: enrichedRecords,
    bytes: { raw: meanBytes(rawRecords), clean: meanBytes(cleanRecords), enriched: meanBytes(enrichedRecords) },
  };
}
