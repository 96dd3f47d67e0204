/** Turns a message as kafkajs delivers it into the decoded record the MSK event codec encodes. */
import type { KafkaMessage } from 'kafkajs';
import { headersOf } from '../../src/kafka/kafkajs-wire-order-headers.js';
import type { KafkaRecord, TimestampType } from '../../src/kafka/msk-event.js';

/** kafkajs keeps the record batch's attributes on each message, untyped; 1 = LOG_APPEND_TIME. */
interface WithBatchContext {
  batchContext?: { timestampType?: number };
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
    headers: headersOf(message.headers),
  };
}
