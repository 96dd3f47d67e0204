/** Reads the JSON that one stage wrote for the next; a record that is not such JSON goes to the DLQ. */
import type { KafkaRecord } from '../kafka/msk-event.js';

export type InternalParse<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Parses a record written by the previous stage, checking the fields this stage relies on. */
export function parseInternalRecord<T extends object>(record: KafkaRecord, requiredFields: readonly string[]): InternalParse<T> {
  if (record.value === null) return { ok: false, detail: 'record has no value' };
  let value: unknown;
  try {
    value = JSON.parse(record.value.toString('utf8'));
  } catch (error) {
    return { ok: false, detail: `value is not JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, detail: 'value is not a JSON object' };
  for (const field of requiredFields) {
    if (!(field in value)) return { ok: false, detail: `field ${field} is missing` };
  }
  return { ok: true, value: value as T };
}
