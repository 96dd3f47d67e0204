/** `tributary produce`: sends NDJSON raw events to the raw topic in batches, each line as written. */
import type { Readable } from 'node:stream';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { NdjsonPublishError } from './errors.js';
import { type NdjsonReadOptions, type NdjsonRecord, readNdjsonRecords } from './ndjson-source.js';

export interface ProduceNdjsonOptions extends NdjsonReadOptions {
  readonly input: Readable | AsyncIterable<Buffer | string>;
  readonly publisher: RecordPublisher;
  readonly topic: string;
  /** Records per publish. @default 500 */
  readonly batchSize?: number;
  /** Told about each line sent without a key, e.g. to print "line 3: not JSON". */
  readonly onProblem?: (line: number, problem: string) => void;
}

export interface ProduceNdjsonResult {
  /** Records acknowledged by Kafka. */
  acknowledged: number;
  /** Lines sent without a key because no userId/deviceId could be read. */
  withoutKey: number;
  /** Last input line acknowledged (0 when none). */
  lastLine: number;
}

/** Publishes every non-blank line; throws NdjsonPublishError (naming the last line acknowledged) if Kafka refuses a batch. */
export async function produceNdjson(options: ProduceNdjsonOptions): Promise<ProduceNdjsonResult> {
  const { publisher, topic, onProblem } = options;
  const batchSize = options.batchSize ?? 500;
  const result: ProduceNdjsonResult = { acknowledged: 0, withoutKey: 0, lastLine: 0 };
  let batch: NdjsonRecord[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const records: OutputRecord[] = batch.map((r) => ({ topic, key: r.key, value: r.value, headers: {} }));
    try {
      await publisher.publish(records);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const from = (batch[0] as NdjsonRecord).line;
      throw new NdjsonPublishError(
        `publishing to ${topic} failed at lines ${from}-${(batch[batch.length - 1] as NdjsonRecord).line} (${result.acknowledged} records acknowledged, through line ${result.lastLine}): ${reason}`,
        result.acknowledged,
        result.lastLine,
        { cause: error },
      );
    }
    result.acknowledged += batch.length;
    result.lastLine = (batch[batch.length - 1] as NdjsonRecord).line;
    batch = [];
  };

  for await (const record of readNdjsonRecords(options.input, options)) {
    if (record.problem !== undefined) {
      result.withoutKey++;
      onProblem?.(record.line, record.problem);
    }
    batch.push(record);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return result;
}
