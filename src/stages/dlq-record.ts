/** Builds the DLQ copy of a record: the original key, bytes and headers, plus why it was set aside. */
import type { InvalidReason } from '../events/invalid-reason.js';
import { DlqHeader } from '../kafka/header-names.js';
import type { KafkaRecord, OutputRecord } from '../kafka/msk-event.js';
import type { ChangeStageName, StageName } from '../pipeline/definition.js';

/** Carries input headers to an output record, keeping repeated keys. */
export function forwardHeaders(record: KafkaRecord): OutputRecord['headers'] {
  const headers: OutputRecord['headers'] = {};
  for (const { key, value } of record.headers) {
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else headers[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}

export function toDlqRecord(
  record: KafkaRecord,
  dlqTopic: string,
  stage: StageName | ChangeStageName,
  reason: InvalidReason,
  detail: string,
  now: number = Date.now(),
): OutputRecord {
  return {
    topic: dlqTopic,
    key: record.key,
    value: record.value,
    headers: {
      ...forwardHeaders(record),
      [DlqHeader.reason]: reason,
      [DlqHeader.detail]: detail.slice(0, 1024),
      [DlqHeader.stage]: stage,
      [DlqHeader.topic]: record.topic,
      [DlqHeader.partition]: String(record.partition),
      [DlqHeader.offset]: String(record.offset),
      [DlqHeader.time]: new Date(now).toISOString(),
    },
  };
}
