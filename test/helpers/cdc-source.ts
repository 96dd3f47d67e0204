/**
 * For change-data-capture tests: a fresh source database on the tests' PostgreSQL server (which
 * must have wal_level=logical: the embedded server has), an embedded Kafka whose topics the
 * capture creates, and the change events read back from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type EmbeddedKafka, startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { readTopicsToEnd } from '../../local/kafka/read-topic.js';
import { changePosition } from '../../src/cdc/change-event-reader.js';
import type { ChangeEvent } from '../../src/cdc/debezium-envelope.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import { onTestServer, TEST_DATABASE_URL } from './stores.js';

export interface SourceDatabase {
  readonly url: string;
  readonly name: string;
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  dispose(): Promise<void>;
}

export async function sourceDatabase(): Promise<SourceDatabase> {
  const name = `tributary_cdc_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await onTestServer((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    name,
    async query<T extends object>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async dispose() {
      await client.end();
      await onTestServer(async (c) => {
        // A database with replication slots cannot be dropped.
        const slots = await c.query<{ slot_name: string; active_pid: number | null }>(
          'SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1',
          [name],
        );
        for (const slot of slots.rows) {
          if (slot.active_pid) await c.query('SELECT pg_terminate_backend($1)', [slot.active_pid]);
        }
        for (const slot of slots.rows) {
          for (let i = 0; i < 50; i++) {
            try {
              await c.query('SELECT pg_drop_replication_slot($1)', [slot.slot_name]);
              break;
            } catch {
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

export interface CdcKafka {
  readonly embedded: EmbeddedKafka;
  readonly publisher: RecordPublisher;
  readonly stateDir: string;
  ensureTopic(topic: string): Promise<void>;
  /** Every change event of the topic with its key; tombstones as value null. */
  read(topic: string): Promise<{ key: unknown; value: ChangeEvent | null; partition: number }[]>;
  /** The change events of the topic (no tombstones) in source order: commit order, then LSN. */
  events(topic: string): Promise<ChangeEvent[]>;
  close(): Promise<void>;
}

export async function cdcKafka(): Promise<CdcKafka> {
  const embedded = await startEmbeddedKafka();
  const kafka = createKafka({ brokers: embedded.brokers, auth: { type: 'none' }, clientId: 'cdc-test' });
  const publisher = createKafkaPublisher(kafka);
  const created = new Set<string>();
  const stateDir = mkdtempSync(join(tmpdir(), 'tributary-cdc-state-'));
  const read: CdcKafka['read'] = async (topic) => {
    const messages = (await readTopicsToEnd(kafka, [topic])).get(topic) ?? [];
    return messages.map((m) => ({
      key: m.key ? JSON.parse(m.key.toString()) : null,
      value: m.value ? (JSON.parse(m.value.toString()) as ChangeEvent) : null,
      partition: m.partition,
    }));
  };
  return {
    embedded,
    publisher,
    stateDir,
    async ensureTopic(topic) {
      if (created.has(topic)) return;
      embedded.createTopic(topic, 3);
      created.add(topic);
    },
    read,
    async events(topic) {
      const events = (await read(topic)).flatMap((r) => (r.value ? [r.value] : []));
      const position = (e: ChangeEvent) => changePosition(e);
      return events.sort((a, b) => {
        const pa = position(a);
        const pb = position(b);
        return pa.commitLsn === pb.commitLsn ? Number(pa.changeLsn - pb.changeLsn) : Number(pa.commitLsn - pb.commitLsn);
      });
    },
    async close() {
      await publisher.close();
      await embedded.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
