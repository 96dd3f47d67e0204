/**
 * Change data capture under faults: a dedicated embedded PostgreSQL (so it can be restarted) with
 * the shop schema, the embedded Kafka, a writer committing order changes (each insert or update
 * writes a unique change number into orders.total, so every change can be found in Kafka), and at
 * the end the orders stage's core applying everything Kafka holds to a fresh mirror, which must
 * equal the source table, row for row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChangeCapture, startChangeCapture } from '../../local/cdc/change-capture.js';
import { type EmbeddedKafka, startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { readTopicsToEnd } from '../../local/kafka/read-topic.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../local/postgres/embedded-postgres-server.js';
import { readChangeEvent } from '../../src/cdc/change-event-reader.js';
import { applyChangeBatch } from '../../src/cdc/change-stage.js';
import type { ChangeEvent } from '../../src/cdc/debezium-envelope.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { migrateShop } from '../../src/shop/shop-database.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { mirroredOrders, shopOrders } from '../helpers/mirror-compare.js';
import { postgresTestStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';
import type { FaultRow } from '../verify/fault-row.js';

export const PREFIX = 'fault';
const TOPICS = ['customers', 'orders', 'order_lines'].map((t) => `${PREFIX}.public.${t}`);

export interface CdcFaultBench {
  readonly server: EmbeddedPostgres;
  readonly kafka: EmbeddedKafka;
  readonly shop: SqlClient;
  readonly sourceUrl: string;
  readonly brokers: string[];
  readonly publisher: RecordPublisher;
  readonly stateDir: string;
  readonly slot: string;
  readonly writer: OrderWriter;
  /** Restarts the source server on the same folder and port. */
  restartSource(): Promise<void>;
  startCapture(): Promise<ChangeCapture>;
  startCaptureProcess(): Promise<CaptureProcess>;
  /** Applies every change Kafka holds to a fresh mirror and compares it with the source. */
  verify(fault: string): Promise<{ row: FaultRow; mirrorEqualsSource: boolean; copies: number }>;
  close(): Promise<void>;
}

export interface CaptureProcess {
  readonly child: ChildProcess;
  /** Latest stats line. */
  stats(): { changesPublished: number; recordsAcknowledged: number; pendingRecords: number } | undefined;
  kill(): Promise<void>;
}

/** Commits order changes and remembers each committed change number and deleted order. */
export class OrderWriter {
  private next = 1;
  readonly committed = new Set<number>();
  readonly deleted = new Set<string>();
  failures = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly shop: SqlClient) {}

  /** One transaction of `rows` inserts (and updates of earlier orders); committed numbers are kept. */
  async transaction(inserts: number, updates = 0): Promise<void> {
    const numbers: number[] = [];
    await this.shop.transaction(async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < inserts; i++) {
        const n = this.next++;
        numbers.push(n);
        ids.push(`o-${n}`);
      }
      if (ids.length > 0) {
        await tx.query(
          `INSERT INTO orders (order_id, customer_id, status, currency, total, placed_at)
           SELECT id, 'c-fault', 'placed', 'EUR', replace(id, 'o-', '')::numeric, now() FROM unnest($1::text[]) AS id`,
          [ids],
        );
      }
      for (let i = 0; i < updates; i++) {
        const n = this.next++;
        numbers.push(n);
        await tx.query(
          `UPDATE orders SET status = 'paid', total = $1, updated_at = now()
            WHERE order_id = (SELECT order_id FROM orders ORDER BY random() LIMIT 1)`,
          [n],
        );
      }
    });
    for (const n of numbers) this.committed.add(n);
  }

  async deleteOne(): Promise<void> {
    const rows = await this.shop.query<{ order_id: string }>(
      'DELETE FROM orders WHERE order_id = (SELECT order_id FROM orders ORDER BY random() LIMIT 1) RETURNING order_id',
    );
    for (const r of rows) this.deleted.add(r.order_id);
  }

  /** Commits small transactions until stop(); failures (source down) are counted and retried. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      let i = 0;
      while (this.running) {
        try {
          await this.transaction(3, 2);
          if (++i % 10 === 0) await this.deleteOne();
        } catch {
          this.failures++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export async function openCdcFaultBench(): Promise<CdcFaultBench> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-cdc-fault-'));
  chmodSync(folder, 0o755);
  let server = await startEmbeddedPostgres({ dataDir: join(folder, 'pg'), fastUnsafe: true });
  const port = server.port;
  await server.ensureDatabase('shop');
  const sourceUrl = server.url('shop');
  const shop = createPostgresClient({ connectionString: sourceUrl });
  await migrateShop(shop);
  await shop.query("INSERT INTO customers (customer_id, email) VALUES ('c-fault', 'f@example.com')");
  const kafka = await startEmbeddedKafka({ topics: TOPICS.map((name) => ({ name, partitions: 3 })) });
  const kafkaClient = createKafka({ brokers: kafka.brokers, auth: { type: 'none' }, clientId: 'cdc-fault' });
  const publisher = createKafkaPublisher(kafkaClient);
  const stateDir = join(folder, 'state');
  const slot = `fault_slot_${process.pid}`;
  const writer = new OrderWriter(shop);
  const children = new Set<ChildProcess>();

  const bench: CdcFaultBench = {
    get server() {
      return server;
    },
    kafka,
    shop,
    sourceUrl,
    brokers: kafka.brokers,
    publisher,
    stateDir,
    slot,
    writer,
    async restartSource() {
      await server.stop();
      server = await startEmbeddedPostgres({ dataDir: join(folder, 'pg'), port, fastUnsafe: true });
    },
    startCapture: () =>
      startChangeCapture({
        sourceUrl,
        topicPrefix: PREFIX,
        slotName: slot,
        tables: ['public.customers', 'public.orders', 'public.order_lines'],
        publisher,
        stateDir,
        onWarning: () => {},
      }),
    async startCaptureProcess() {
      const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'test/faults/cdc-capture-process.ts')], {
        env: {
          ...process.env,
          CDC_SOURCE_URL: sourceUrl,
          CDC_BROKERS: kafka.brokers.join(','),
          CDC_SLOT: slot,
          CDC_PREFIX: PREFIX,
          CDC_STATE_DIR: stateDir,
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      let ready = false;
      let latest: { changesPublished: number; recordsAcknowledged: number; pendingRecords: number } | undefined;
      let buffer = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'READY') ready = true;
          else if (line.startsWith('STATS ')) latest = JSON.parse(line.slice(6));
        }
      });
      child.stderr?.on('data', () => {});
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await waitFor('the capture process to stream', () => ready || child.exitCode !== null, 120_000);
      if (!ready) throw new Error('the capture process exited before it was ready');
      return {
        child,
        stats: () => latest,
        async kill() {
          child.kill('SIGKILL');
          await exited;
          children.delete(child);
        },
      };
    },
    async verify(fault) {
      const all = await readTopicsToEnd(kafkaClient, TOPICS);
      // Every change of orders in Kafka, and how many copies of each (source position + key).
      const events: ChangeEvent[] = [];
      const records: KafkaRecord[] = [];
      for (const [topic, messages] of all) {
        for (const m of messages) {
          records.push({
            topic,
            partition: m.partition,
            offset: Number(m.offset),
            timestamp: Number(m.timestamp),
            timestampType: 'CREATE_TIME',
            key: m.key,
            value: m.value,
            headers: [],
          });
          if (topic.endsWith('.orders')) {
            const event = readChangeEvent(m.value);
            if (event) events.push(event);
          }
        }
      }
      const seenNumbers = new Set<number>();
      const deletedInKafka = new Set<string>();
      const copies = new Map<string, number>();
      for (const e of events) {
        const total = e.after?.total;
        if (e.op !== 'd' && total !== undefined) seenNumbers.add(Number(total));
        if (e.op === 'd') deletedInKafka.add(String(e.before?.order_id));
        const id = `${e.source.lsn}/${String((e.after ?? e.before)?.order_id)}`;
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
      const lostChanges = [...writer.committed].filter((n) => !seenNumbers.has(n)).length;
      const lostDeletes = [...writer.deleted].filter((id) => !deletedInKafka.has(id)).length;

      // The orders stage's core on a fresh store, fed partition by partition in batches of 500.
      const store = await postgresTestStore();
      try {
        const pipeline = definePipeline({ name: 'fault' });
        for (let i = 0; i < records.length; i += 500) await applyChangeBatch(records.slice(i, i + 500), 'orders', pipeline, store.client);
        const mirror = await mirroredOrders(store.client);
        const source = await shopOrders(shop);
        const byId = new Map(source.orders.map((r) => [String(r.order_id), JSON.stringify(r)]));
        const wrong =
          mirror.orders.filter((r) => byId.get(String(r.order_id)) !== JSON.stringify(r)).length +
          Math.max(0, source.orders.length - mirror.orders.length);
        const redelivered = [...copies.values()].reduce((n, c) => n + c - 1, 0);
        const acknowledged = writer.committed.size + writer.deleted.size;
        const lost = lostChanges + lostDeletes;
        return {
          row: {
            fault,
            acknowledged,
            stored: acknowledged - lost,
            inDlq: 0,
            failureDestination: 0,
            lost,
            duplicated: wrong,
            redelivered,
          },
          mirrorEqualsSource: JSON.stringify(mirror.orders) === JSON.stringify(source.orders),
          copies: redelivered,
        };
      } finally {
        await store.dispose();
      }
    },
    async close() {
      await writer.stop();
      for (const child of children) child.kill('SIGKILL');
      await publisher.close();
      await kafka.stop();
      await shop.close();
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
  return bench;
}
