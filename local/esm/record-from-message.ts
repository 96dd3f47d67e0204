/** Turns a message as kafkajs delivers it into the decoded record the MSK event codec encodes. */
import type { KafkaMessage } from 'kafkajs';
import type { KafkaRecord, RecordHeader, TimestampType } from '../../src/kafka/msk-event.js';

/** kafkajs keeps the record batch's attributes on each message, untyped; 1 = LOG_APPEND_TIME. */
interface WithBatchContext {
  batchContext?: { timestampType?: number };
}

function headerValue(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/**
 * kafkajs folds repeated header keys into an array under the first occurrence, so repeated keys
 * come out adjacent; values keep their order.
 */
function headersOf(message: KafkaMessage): RecordHeader[] {
  const headers: RecordHeader[] = [];
  if (!message.headers) return headers;
  for (const [key, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.push({ key, value: headerValue(v) });
    else headers.push({ key, value: headerValue(value) });
  }
  return headers;
}

/** The record at `message.offset` of topic-partition. */
export function recordFromMessage(topic: string, partition: number, message: KafkaMessage): KafkaRecord {
  const timestampType: TimestampType = (message as WithBatchContext).batchContext?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType,
    key: message.key,
    value: message.value,
    headers: headersOf(message),
  };
}
