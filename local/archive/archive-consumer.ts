/**
 * The twin's archive: what Firehose does on AWS. One consumer group (`<pipeline>-archive`) reads
 * the archived topics from the beginning; each topic feeds its own delivery stream (buffering
 * hints, one file per event hour); offsets are committed only after the file holding the records
 * is in place, so the archive is at-least-once like Firehose: a crash or rebalance can archive a
 * record twice, never lose one. Keys, headers, partition, offset and timestamp are kept.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { ArchiveDefinition, ArchivedTopicRole, ArchiveStreamDefinition } from '../../src/pipeline/archive-definition.js';
import { type ArchiveHeader, type ArchiveRow, toArchiveRow } from './archive-row.js';
import { DeliveryStream, type DeliveryStreamStats } from './delivery-stream.js';
import { ParquetFileWriter } from './parquet-file-writer.js';

export interface ArchiveConsumerOptions {
  kafka: Kafka;
  archive: ArchiveDefinition;
  /** Consumer group id; `<pipeline>-archive` in the twin. */
  groupId: string;
  /** The archive folder (`.data/archive` by default in the twin). */
  dir: string;
  /** Overrides the buffering hints (the twin flushes sooner than Firehose's 64 MB/60 s in tests). */
  sizeBytes?: number;
  intervalMs?: number;
  onWarning?: (message: string) => void;
}

export interface ArchiveConsumerStats {
  readonly streams: Readonly<Record<ArchivedTopicRole, DeliveryStreamStats>>;
}

function headersOf(raw: EachBatchPayload['batch']['messages'][number]['headers']): ArchiveHeader[] {
  const out: ArchiveHeader[] = [];
  for (const [key, value] of Object.entries(raw ?? {})) {
    // kafkajs folds repeated header names into an array; each is kept, in order.
    for (const one of Array.isArray(value) ? value : [value]) {
      out.push({ key, value: one === undefined || one === null ? null : Buffer.isBuffer(one) ? one : Buffer.from(String(one)) });
    }
  }
  return out;
}

export class ArchiveConsumer {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private writer: ParquetFileWriter | undefined;
  private readonly streams = new Map<string, { definition: ArchiveStreamDefinition; stream: DeliveryStream }>();
  private stopping = false;
  private readonly warn: (message: string) => void;

  constructor(private readonly options: ArchiveConsumerOptions) {
    this.warn = options.onWarning ?? ((message) => process.stderr.write(`[archive] ${message}\n`));
  }

  /** Opens the archive folder and joins the consumer group. */
  async start(): Promise<void> {
    const { kafka, archive, groupId } = this.options;
    this.writer = await ParquetFileWriter.open(this.options.dir);
    for (const definition of archive.streams) {
      const stream = new DeliveryStream({
        definition,
        writer: this.writer,
        sizeBytes: this.options.sizeBytes,
        intervalMs: this.options.intervalMs,
        onFlushed: (_files, rows) => this.commit(rows),
        onError: (error) =>
          this.warn(`${definition.streamName}: ${(error as Error).message}; the records stay buffered and are written again`),
      });
      this.streams.set(definition.topic, { definition, stream });
    }
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => this.warn(`consumer crashed: ${payload.error.message}`));
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.streams.keys()], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.stopping) return;
    const entry = this.streams.get(batch.topic);
    if (!entry) return;
    const rows: ArchiveRow[] = batch.messages.map((m) =>
      toArchiveRow(entry.definition.role, batch.topic, {
        partition: batch.partition,
        offset: m.offset,
        timestamp: Number(m.timestamp),
        key: m.key,
        value: m.value,
        headers: headersOf(m.headers),
      }),
    );
    await entry.stream.add(rows);
    await heartbeat();
  }

  private async commit(rows: readonly ArchiveRow[]): Promise<void> {
    const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
    for (const row of rows) {
      const key = `${row.topic}\u0000${row.partition}`;
      const current = next.get(key);
      if (!current || row.offset + 1n > current.offset)
        next.set(key, { topic: row.topic, partition: row.partition, offset: row.offset + 1n });
    }
    try {
      await this.consumer?.commitOffsets(
        [...next.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })),
      );
    } catch (error) {
      // The files are in place; the records will be delivered again and archived twice (queries deduplicate).
      this.warn(`committing archive offsets failed (${(error as Error).message}); those records will be archived again`);
    }
  }

  /** Writes every buffer now. */
  async flush(): Promise<void> {
    await Promise.all([...this.streams.values()].map(({ stream }) => stream.flush()));
  }

  /** Records not yet committed by the archive group, over the archived topics. */
  async lag(): Promise<number> {
    this.admin ??= this.options.kafka.admin();
    await this.admin.connect();
    let lag = 0;
    for (const topic of this.streams.keys()) {
      const [ends, offsets] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] }),
      ]);
      const committed = new Map<number, number>();
      for (const p of offsets[0]?.partitions ?? []) committed.set(p.partition, Number(p.offset));
      for (const end of ends) {
        const position = committed.get(end.partition) ?? -1;
        lag += Math.max(0, Number(end.high) - (position >= 0 ? position : Number(end.low)));
      }
    }
    return lag;
  }

  /** Flushes until the archive group has committed everything, or the timeout passes. Returns whether it caught up. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.flush();
      if ((await this.lag()) === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  stats(): ArchiveConsumerStats {
    const streams: Partial<Record<ArchivedTopicRole, DeliveryStreamStats>> = {};
    for (const { definition, stream } of this.streams.values()) streams[definition.role] = stream.stats();
    return { streams: streams as Record<ArchivedTopicRole, DeliveryStreamStats> };
  }

  /** Stops fetching, writes what is buffered and commits it, then disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    try {
      this.consumer?.pause([...this.streams.keys()].map((topic) => ({ topic })));
    } catch {
      // Not running: nothing is being fetched.
    }
    await this.flush().catch((error: unknown) => this.warn(`final archive flush failed: ${(error as Error).message}`));
    for (const { stream } of this.streams.values()) stream.close();
    await Promise.allSettled([this.consumer?.disconnect(), this.admin?.disconnect()]);
    this.writer?.close();
  }
}
