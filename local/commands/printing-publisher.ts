/** A RecordPublisher that prints records as JSON lines instead of sending them (`tributary invoke`). */
import { isUtf8 } from 'node:buffer';
import type { Writable } from 'node:stream';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { HeaderValue, OutputRecord } from '../../src/kafka/msk-event.js';

const text = (value: string | Buffer): string => (typeof value === 'string' ? value : value.toString('utf8'));

/** A null header value prints as null. */
const headerText = (value: HeaderValue): string | null => (value === null ? null : text(value));

/** Values and headers print as UTF-8 text (a null header value as null); bytes that are not UTF-8 print as base64 with a marker field; a tombstone as null. */
export function formatRecord(record: OutputRecord): string {
  const bytes = typeof record.value === 'string' ? null : record.value;
  const binary = bytes !== null && !isUtf8(bytes);
  const headers = Object.fromEntries(
    Object.entries(record.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(headerText) : headerText(v)]),
  );
  return JSON.stringify({
    topic: record.topic,
    key: record.key === null ? null : text(record.key),
    value: record.value === null ? null : binary ? (bytes as Buffer).toString('base64') : text(record.value),
    ...(binary ? { valueEncoding: 'base64' } : {}),
    headers,
  });
}

export function printingPublisher(out: Writable): RecordPublisher & { count: number } {
  const publisher = {
    count: 0,
    async publish(records: readonly OutputRecord[]) {
      for (const record of records) out.write(`${formatRecord(record)}\n`);
      publisher.count += records.length;
    },
    async close() {},
  };
  return publisher;
}
