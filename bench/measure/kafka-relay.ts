/**
 * The Kafka ceiling: a relay that does no processing, through as many hops as the pipeline has
 * stages. Each hop is a kafkajs consumer group whose fetch loop only queues what it receives (it
 * never waits for a produce), and a pump that publishes everything queued, unchanged, to the next
 * topic in as few sends as possible through the same publisher the stages use (acks from all
 * replicas). Decoupling matters on the embedded cluster: it answers a fetch with one message set
 * per partition, so a relay that produced each fetched batch before fetching again would split the
 * stream into ever smaller batches, hop after hop.
 */
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { isTwinKafka } from '../../local/kafka/twin-kafka.js';
import { createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';

export interface RelayOptions {
  /** From createTwinKafka: the same kafkajs consumer behaviour as the mapping emulator's. */
  readonly kafka: Kafka;
  /** Input topic first, then one topic per hop. */
  readonly topics: readonly string[];
  /** Consumer fetch wait, ms (the mapping emulator uses a quarter of the batching window, 10..50). */
  readonly fetchWaitMs: number;
  readonly groupPrefix: string;
  /** Most records in one send. @default 5000 */
  readonly maxSendRecords?: number;
  /** Sends awaiting acks at once, per hop. @default 2 */
  readonly maxInFlight?: number;
}

export interface KafkaRelay {
  readonly hops: number;
  /** Records each hop has published so far. */
  relayed(): readonly number[];
  /** Stops fetching, waits for sends in flight, disconnects. Queued records are dropped. */
  stop(): Promise<void>;
}

/** Same limits as the mapping emulator's consumers. */
const MAX_BYTES_PER_PARTITION = 1024 * 1024;
const SESSION_TIMEOUT_MS = 10_000;
/** A hop pauses fetching when this many records wait to be sent. */
const MAX_QUEUED = 50_000;

function toHeaders(headers: IHeaders | undefined): OutputRecord['headers'] {
  const out: OutputRecord['headers'] = {};
  for (const [key, value] of Object.entries(headers ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

class RelayHop {
  relayed = 0;
  private queue: OutputRecord[] = [];
  private inFlight = new Set<Promise<void>>();
  private paused = false;
  private failure: unknown;
  private stopped = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly publisher: RecordPublisher,
    private readonly from: string,
    private readonly to: string,
    private readonly maxSend: number,
    private readonly maxInFlight: number,
  ) {}

  enqueue(messages: readonly { key: Buffer | null; value: Buffer | null; headers?: IHeaders }[]): void {
    for (const m of messages)
      this.queue.push({
        topic: this.to,
        key: m.key === null ? null : m.key.toString('utf8'),
        value: m.value,
        headers: toHeaders(m.headers),
      });
    if (!this.paused && this.queue.length >= MAX_QUEUED) {
      this.paused = true;
      this.consumer.pause([{ topic: this.from }]);
    }
    this.pump();
  }

  private pump(): void {
    if (this.failure !== undefined) throw this.failure;
    while (!this.stopped && this.queue.length > 0 && this.inFlight.size < this.maxInFlight) {
      const records = this.queue.splice(0, this.maxSend);
      const sending: Promise<void> = this.publisher
        .publish(records)
        .then(
          () => {
            this.relayed += records.length;
          },
          (error: unknown) => {
            this.failure ??= error;
          },
        )
        .finally(() => {
          this.inFlight.delete(sending);
          if (this.paused && this.queue.length < MAX_QUEUED / 2) {
            this.paused = false;
            this.consumer.resume([{ topic: this.from }]);
          }
          if (this.failure === undefined) this.pump();
        });
      this.inFlight.add(sending);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }
}

/** Starts every hop and resolves once each consumer group has been joined. */
export async function startKafkaRelay(options: RelayOptions): Promise<KafkaRelay> {
  const { kafka, topics } = options;
  if (!isTwinKafka(kafka))
    throw new Error('the relay needs a client from createTwinKafka (local/kafka/twin-kafka.ts), as the mappings use');
  if (topics.length < 2) throw new Error(`a relay needs an input and at least one output topic, got ${topics.length}`);
  const hops: RelayHop[] = [];
  const consumers: Consumer[] = [];
  const publishers: RecordPublisher[] = [];
  const stop = async () => {
    await Promise.allSettled(consumers.map((c) => c.stop()));
    await Promise.allSettled(hops.map((h) => h.stop()));
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await Promise.allSettled(publishers.map((p) => p.close()));
  };
  try {
    await Promise.all(
      topics.slice(0, -1).map(async (from, index) => {
        const publisher = createKafkaPublisher(kafka);
        publishers.push(publisher);
        const consumer = kafka.consumer({
          groupId: `${options.groupPrefix}-hop${index + 1}`,
          allowAutoTopicCreation: false,
          maxWaitTimeInMs: options.fetchWaitMs,
          maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
          sessionTimeout: SESSION_TIMEOUT_MS,
        });
        consumers.push(consumer);
        const hop = new RelayHop(
          consumer,
          publisher,
          from,
          topics[index + 1] as string,
          options.maxSendRecords ?? 5000,
          options.maxInFlight ?? 2,
        );
        hops[index] = hop;
        const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
        await consumer.connect();
        await consumer.subscribe({ topics: [from], fromBeginning: true });
        await consumer.run({
          // No offset commits at all (a ceiling need not survive a restart); kafkajs's own commit
          // bookkeeping after every fetch halved what one consumer read from the embedded cluster.
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset }) => {
            hop.enqueue(batch.messages);
            const last = batch.messages[batch.messages.length - 1];
            if (last) resolveOffset(last.offset);
          },
        });
        await joined;
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { hops: hops.length, relayed: () => hops.map((h) => h.relayed), stop };
}
