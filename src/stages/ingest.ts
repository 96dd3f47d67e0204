/** ingest: decode, validate and normalise raw records; valid ones to `clean`, keyed by entity. */
import { validateRawEvent } from '../events/validate-raw-event.js';
import type { KafkaRecord, OutputRecord } from '../kafka/msk-event.js';
import type { PipelineDefinition } from '../pipeline/definition.js';
import { forwardHeaders, toDlqRecord } from './dlq-record.js';
import { countDlq, emptyOutcome, type StageBatchResult } from './stage-outcome.js';

export function ingestBatch(records: readonly KafkaRecord[], pipeline: PipelineDefinition): StageBatchResult {
  const outcome = emptyOutcome('ingest', records.length);
  const outputs: OutputRecord[] = [];
  const { clean, dlq } = pipeline.topics;
  for (const record of records) {
    const result = validateRawEvent(record.value, record.timestamp);
    if (result.ok) {
      outputs.push({ topic: clean.name, key: result.key, value: JSON.stringify(result.event), headers: forwardHeaders(record) });
      outcome.passed++;
    } else {
      outputs.push(toDlqRecord(record, dlq.name, 'ingest', result.reason, result.detail));
      countDlq(outcome, result.reason);
    }
  }
  return { outputs, outcome };
}
