/** Test helpers: stored events, a publisher that keeps what it is given, a silent logger. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { MskEvent, OutputRecord } from '../../src/kafka/msk-event.js';

const eventsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'events');

/** A fresh copy of a stored event, e.g. loadEvent('ingest/valid-batch.json'). */
export function loadEvent(path: string): MskEvent {
  return structuredClone(JSON.parse(readFileSync(join(eventsDir, path), 'utf8')) as MskEvent);
}

export function collectingPublisher(): RecordPublisher & { records: OutputRecord[]; failWith?: Error } {
  const publisher: RecordPublisher & { records: OutputRecord[]; failWith?: Error } = {
    records: [],
    async publish(records) {
      if (publisher.failWith) throw publisher.failWith;
      publisher.records.push(...records);
    },
    async close() {},
  };
  return publisher;
}

export const silentLogger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

export function headerText(record: OutputRecord, name: string): string | undefined {
  const value = record.headers[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v) => String(v)).join(',');
}
