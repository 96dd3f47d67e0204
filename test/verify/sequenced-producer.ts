/**
 * The verifying producer: stamps each record with a sequence number, publishes in batches with a
 * bounded number in flight, re-sends a batch whose publish failed (faults make that happen), and
 * records in the ledger exactly what Kafka acknowledged.
 */

import type { GeneratedRecord, TrafficGenerator } from '../../local/generator/storefront-traffic.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { SEQUENCE_HEADER } from './sequence-header.js';
import type { Expectation, SequenceLedger } from './sequence-ledger.js';

/** One record to send and what must become of it. */
export interface SequencedInput {
  readonly key: string | null;
  /** null is a tombstone. */
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  readonly expect: Expectation;
}

export interface SequencedSource {
  next(): SequencedInput;
}

/** What the generator says must become of a record. */
export function expectationOf(record: GeneratedRecord): Expectation {
  if (record.kind === 'invalid') {
    return {
      outcome: 'dlq',
      ...(record.expectedReason !== undefined ? { reason: record.expectedReason } : {}),
      ...(record.eventId !== undefined ? { eventId: record.eventId } : {}),
    };
  }
  if (record.eventId === undefined) throw new Error('a valid generated record has no event id');
  return { outcome: 'stored', eventId: record.eventId };
}

/** The storefront generator as a source of sequenced inputs. */
export function trafficSource(generator: Pick<TrafficGenerator, 'next'>): SequencedSource {
  return {
    next() {
      const record = generator.next();
      return { key: record.key, value: record.value, expect: expectationOf(record) };
    },
  };
}

export interface ProduceSequencedOptions {
  readonly source: SequencedSource;
  readonly publisher: RecordPublisher;
  readonly topic: string;
  readonly ledger: SequenceLedger;
  /** Records to send. */
  readonly count: number;
  /** Records per second; unlimited when absent. */
  readonly ratePerSecond?: number;
  /** @default 100 */
  readonly batchSize?: number;
  /** Publishes awaiting acknowledgement at once. @default 2 */
  readonly maxInFlight?: number;
  /** Attempts per batch before its records are given up as unacknowledged. @default 30 */
  readonly maxAttempts?: number;
  /** Pause before re-sending a failed batch. @default 200 */
  readonly retryDelayMs?: number;
  /** Called after each acknowledged batch with the running total. */
  readonly onAcknowledged?: (acknowledged: number) => void;
}

export interface ProduceSequencedResult {
  acknowledged: number;
  /** Records never acknowledged (their batch failed maxAttempts times). */
  unacknowledged: number;
  /** Publishes that failed and were retried. */
  failedPublishes: number;
  /** The last publish error, if any. */
  lastError?: string;
}

interface Stamped {
  seq: number;
  expect: Expectation;
  record: OutputRecord;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `count` records from the source, re-sending failed batches; resolves when every batch is settled. */
export async function produceSequenced(options: ProduceSequencedOptions): Promise<ProduceSequencedResult> {
  const { source, publisher, topic, ledger, count } = options;
  const batchSize = options.batchSize ?? 100;
  const maxInFlight = options.maxInFlight ?? 2;
  const maxAttempts = options.maxAttempts ?? 30;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const result: ProduceSequencedResult = { acknowledged: 0, unacknowledged: 0, failedPublishes: 0 };
  const started = performance.now();
  let made = 0;

  const makeBatch = (): Stamped[] => {
    const n = Math.min(batchSize, count - made);
    const batch: Stamped[] = [];
    for (let i = 0; i < n; i++) {
      const input = source.next();
      const seq = ledger.nextSequence();
      batch.push({
        seq,
        expect: input.expect,
        record: { topic, key: input.key, value: input.value, headers: { ...input.headers, [SEQUENCE_HEADER]: String(seq) } },
      });
    }
    made += n;
    return batch;
  };

  const send = async (batch: Stamped[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      ledger.sending(batch.map((s) => s.seq));
      try {
        await publisher.publish(batch.map((s) => s.record));
        ledger.acknowledge(batch);
        result.acknowledged += batch.length;
        options.onAcknowledged?.(result.acknowledged);
        return;
      } catch (error) {
        result.failedPublishes++;
        result.lastError = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts) {
          result.unacknowledged += batch.length;
          return;
        }
        await delay(retryDelayMs);
      }
    }
  };

  const lanes = Array.from({ length: maxInFlight }, async () => {
    while (made < count) {
      if (options.ratePerSecond !== undefined) {
        // Hold the batch until the rate allows it: made records should take made / rate seconds.
        const due = (made * 1000) / options.ratePerSecond - (performance.now() - started);
        if (due > 0) await delay(due);
      }
      const batch = makeBatch();
      if (batch.length > 0) await send(batch);
    }
  });
  await Promise.all(lanes);
  return result;
}
