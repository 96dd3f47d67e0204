/** sink: store a batch of enriched events and their rollups in one transaction, idempotently. */
import type { EnrichedEvent } from '../events/event-schemas.js';
import { InvalidReason } from '../events/invalid-reason.js';
import type { KafkaRecord, OutputRecord } from '../kafka/msk-event.js';
import type { PipelineDefinition } from '../pipeline/definition.js';
import { writeEvents } from '../store/event-writer.js';
import type { SqlClient } from '../store/sql-client.js';
import { toDlqRecord } from './dlq-record.js';
import { parseInternalRecord } from './internal-record.js';
import { countDlq, emptyOutcome, type StageBatchResult } from './stage-outcome.js';

const ENRICHED_FIELDS = ['eventId', 'type', 'occurredAt', 'receivedAt', 'source', 'enrichment'] as const;

export async function sinkBatch(
  records: readonly KafkaRecord[],
  pipeline: PipelineDefinition,
  store: SqlClient,
): Promise<StageBatchResult> {
  const outcome = emptyOutcome('sink', records.length);
  const outputs: OutputRecord[] = [];
  const events: EnrichedEvent[] = [];
  for (const record of records) {
    const parsed = parseInternalRecord<EnrichedEvent>(record, ENRICHED_FIELDS);
    if (parsed.ok) {
      events.push(parsed.value);
    } else {
      outputs.push(toDlqRecord(record, pipeline.topics.dlq.name, 'sink', InvalidReason.MALFORMED_INTERNAL_RECORD, parsed.detail));
      countDlq(outcome, InvalidReason.MALFORMED_INTERNAL_RECORD);
    }
  }
  const written = await writeEvents(store, events);
  const committedAt = Date.now();
  outcome.passed = written.inserted;
  outcome.duplicates = written.duplicates;
  outcome.latenciesMs = written.insertedReceivedAt.map((received) => committedAt - received);
  return { outputs, outcome };
}
