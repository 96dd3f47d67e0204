/**
 * The event Lambda's Kafka event source mapping sends, as it really arrives (lambda-kafka-esm.md
 * section 1). @types/aws-lambda types key and value as always present, which is wrong for keyless
 * records and tombstones, so the wire shapes are defined here.
 */

export type TimestampType = 'CREATE_TIME' | 'LOG_APPEND_TIME';

/**
 * One header: a single key mapped to (signed or unsigned) byte values, or to null for a null value
 * (Lambda's form for that is undocumented: docs/kafka-records.md).
 */
export type MskHeader = Record<string, number[] | null>;

export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch milliseconds. */
  timestamp: number;
  timestampType: TimestampType;
  /** Base64; absent for a null key. */
  key?: string;
  /** Base64; absent or null for a tombstone. */
  value?: string | null;
  headers: MskHeader[];
  keySchemaMetadata?: { dataFormat: string; schemaId: string };
  valueSchemaMetadata?: { dataFormat: string; schemaId: string };
}

export interface MskEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  /** Cluster ARN; MSK only. */
  eventSourceArn?: string;
  /** Comma-separated broker list. */
  bootstrapServers: string;
  /** Keyed "<topic>-<partition>", each array in offset order. */
  records: Record<string, MskRecord[]>;
}

/** Identifies one record in a partial batch response. */
export interface BatchItemIdentifier {
  /** "<topic>-<partition>" */
  partition: string;
  offset: number;
}

/** Response honoured when the mapping has ReportBatchItemFailures; empty or null means success. */
export interface KafkaBatchResponse {
  batchItemFailures: { itemIdentifier: BatchItemIdentifier }[];
}

export interface RecordHeader {
  key: string;
  /** null for a null header value (legal in Kafka; Java producers send them), distinct from empty. */
  value: Buffer | null;
}

/** A record after decoding: bytes instead of base64, null where Kafka had null. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** An outgoing header value; null writes a null value. */
export type HeaderValue = string | Buffer | null;

/** A record a stage wants produced. */
export interface OutputRecord {
  topic: string;
  /** Bytes when passing on a key as received (it need not be UTF-8). */
  key: string | Buffer | null;
  /** null is a tombstone, passed on as one. */
  value: Buffer | string | null;
  /** A header repeated in the input keeps all its values (grouped by key: kafkajs writes them so). */
  headers: Record<string, HeaderValue | HeaderValue[]>;
}

/** "<topic>-<partition>", the key of MskEvent.records and of batch item identifiers. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
