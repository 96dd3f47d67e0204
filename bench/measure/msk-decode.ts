/**
 * Per-record cost of decoding the Lambda MSK event: this project's codec (src/kafka/msk-event-codec.ts)
 * against @aws-lambda-powertools/kafka's kafkaConsumer, on 1,000-record batches as the twin delivers
 * them (JSON values from the traffic generator, four headers each, spread over the raw topic's partitions).
 *
 *   npm install --no-save @aws-lambda-powertools/kafka && npx tsx bench/measure/msk-decode.ts
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { DEFAULT_EVENT_SOURCE_ARN } from '../../local/esm/failure-envelope.js';
import type { KafkaRecord, MskEvent } from '../../src/kafka/msk-event.js';
import { decodeMskEvent, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { makeStageRecords } from '../harness/stage-records.js';

const BATCH = 1000;
const BATCHES_PER_RUN = 20;
const RUNS = 5;

/** The part of @aws-lambda-powertools/kafka used here; loaded by name, as it is not a dependency. */
interface PowertoolsKafka {
  kafkaConsumer(
    handler: (event: { records: { key: unknown; value: unknown; headers: unknown }[] }) => Promise<number>,
    config?: { value?: { type: 'json' } },
  ): (event: MskEvent, context: Context) => Promise<number>;
}

function withHeaders(record: KafkaRecord, i: number): KafkaRecord {
  const text = (s: string) => Buffer.from(s);
  return {
    ...record,
    headers: [
      { key: 'content-type', value: text('application/json') },
      { key: 'traceparent', value: text(`00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`) },
      { key: 'origin', value: text(i % 2 ? 'web' : 'café-ë') },
      { key: 'hop', value: text(String(i % 7)) },
    ],
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Microseconds per record to run `decode` over every event once. */
async function perRecord(events: MskEvent[], decode: (event: MskEvent) => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  for (const event of events) await decode(event);
  return ((performance.now() - started) * 1000) / (events.length * BATCH);
}

async function main(): Promise<void> {
  const moduleName = '@aws-lambda-powertools/kafka';
  const { kafkaConsumer } = (await import(moduleName)) as PowertoolsKafka;
  const pipeline = definePipeline();
  const records = makeStageRecords(pipeline, BATCH * BATCHES_PER_RUN, 7).raw.map(withHeaders);
  const source = { eventSource: 'aws:kafka' as const, eventSourceArn: DEFAULT_EVENT_SOURCE_ARN, bootstrapServers: 'b-1:9098' };
  const events = Array.from({ length: BATCHES_PER_RUN }, (_, i) => encodeMskEvent(records.slice(i * BATCH, (i + 1) * BATCH), source));
  const context = { awsRequestId: 'bench' } as Context;

  // Each reads every record's key, value and headers (Powertools decodes them lazily, on access).
  const touch = async (event: { records: { key: unknown; value: unknown; headers: unknown }[] }) => {
    let n = 0;
    for (const r of event.records) if (r.key !== undefined && r.value !== undefined && r.headers !== undefined) n++;
    return n;
  };
  const ways: Record<string, (event: MskEvent) => Promise<unknown> | unknown> = {
    'codec (bytes)': (event) => decodeMskEvent(event),
    'powertools (strings)': (event) => kafkaConsumer(touch)(event, context),
    'powertools (json values)': (event) => kafkaConsumer(touch, { value: { type: 'json' } })(event, context),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
  for (const decode of Object.values(ways)) await perRecord(events, decode); // warm-up
  for (let run = 0; run < RUNS; run++) {
    for (const [name, decode] of Object.entries(ways)) samples[name]?.push(await perRecord(events, decode));
  }
  const bytes = Math.round(records.reduce((n, r) => n + (r.value?.length ?? 0), 0) / records.length);
  console.log(
    `batch: ${BATCH} records over ${Object.keys(events[0]?.records ?? {}).length} partitions, JSON values (mean ${bytes} B), 4 headers`,
  );
  for (const [name, values] of Object.entries(samples)) {
    console.log(`${name.padEnd(26)} median ${median(values).toFixed(2)} us/record  (runs: ${values.map((v) => v.toFixed(2)).join(', ')})`);
  }
}

await main();
