/**
 * Interprets what a handler returned, as Lambda does with ReportBatchItemFailures
 * (docs/lambda-kafka-esm.md section 3): empty or null means success, a well-formed list of failed items
 * means partial failure, anything else means the whole batch failed.
 */
import { type KafkaRecord, topicPartitionKey } from '../../src/kafka/msk-event.js';

export type BatchOutcome =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'partial';
      /** Per "<topic>-<partition>" with a failure: the lowest failed offset, where delivery restarts. */
      readonly restartOffsets: ReadonlyMap<string, number>;
      /** The records the response named, in batch order. */
      readonly failed: readonly KafkaRecord[];
    }
  | { readonly kind: 'failed'; readonly reason: string };

const SUCCESS: BatchOutcome = { kind: 'success' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseOffset(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The outcome of one invocation of `records` given the handler's `response`. With
 * `reportBatchItemFailures` off the response is ignored, as Lambda does.
 */
export function interpretBatchResponse(response: unknown, records: readonly KafkaRecord[], reportBatchItemFailures: boolean): BatchOutcome {
  if (!reportBatchItemFailures || response === undefined || response === null) return SUCCESS;
  if (!isObject(response)) return { kind: 'failed', reason: 'batch response is not an object' };
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return SUCCESS;
  if (!Array.isArray(failures)) return { kind: 'failed', reason: 'batchItemFailures is not an array' };
  if (failures.length === 0) return SUCCESS;

  const byPosition = new Map<string, Map<number, number>>();
  records.forEach((record, index) => {
    const key = topicPartitionKey(record.topic, record.partition);
    const offsets = byPosition.get(key) ?? new Map<number, number>();
    offsets.set(record.offset, index);
    byPosition.set(key, offsets);
  });

  const restartOffsets = new Map<string, number>();
  const failedIndexes = new Set<number>();
  for (const failure of failures) {
    const identifier: unknown = isObject(failure) ? failure.itemIdentifier : undefined;
    if (!isObject(identifier)) return { kind: 'failed', reason: 'a batch item failure has no itemIdentifier' };
    const { partition } = identifier;
    const offset = parseOffset(identifier.offset);
    if (typeof partition !== 'string' || partition === '' || offset === undefined) {
      return { kind: 'failed', reason: `malformed itemIdentifier ${JSON.stringify(identifier)}` };
    }
    const index = byPosition.get(partition)?.get(offset);
    if (index === undefined) {
      return { kind: 'failed', reason: `itemIdentifier ${partition}@${offset} is not in the batch` };
    }
    failedIndexes.add(index);
    const lowest = restartOffsets.get(partition);
    if (lowest === undefined || offset < lowest) restartOffsets.set(partition, offset);
  }
  const failed = [...failedIndexes].sort((a, b) => a - b).map((i) => records[i] as KafkaRecord);
  return { kind: 'partial', restartOffsets, failed };
}
