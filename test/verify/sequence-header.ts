/**
 * The sequence number the verifying producer stamps on every record it sends to `raw`. Stages
 * forward input headers, so the number follows a record into clean, enriched, the DLQ and the
 * failure destination: wherever a record ends up, it can be matched to its acknowledgement.
 */
import type { RecordHeader } from '../../src/kafka/msk-event.js';

export const SEQUENCE_HEADER = 'tributary-verify-seq';

/** Header values as kafkajs hands them out. */
type KafkaHeaderValue = Buffer | string | null | (Buffer | string | null)[] | undefined;

function parseSequence(text: string): number | undefined {
  if (!/^[1-9]\d{0,14}$/.test(text)) return undefined;
  return Number(text);
}

/** The sequence number in kafkajs message headers, if the record carries one. */
export function sequenceOfMessage(headers: Readonly<Record<string, KafkaHeaderValue>> | undefined): number | undefined {
  const value = headers?.[SEQUENCE_HEADER];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null ? undefined : parseSequence(first.toString());
}

/** The sequence number in a decoded record's headers, if it carries one. */
export function sequenceOfRecord(headers: readonly RecordHeader[]): number | undefined {
  const header = headers.find((h) => h.key === SEQUENCE_HEADER);
  return header?.value == null ? undefined : parseSequence(header.value.toString('utf8'));
}
