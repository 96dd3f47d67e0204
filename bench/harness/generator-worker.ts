/**
 * Child process of generator-process.ts: runs the storefront generator at the rates asked, one run
 * at a time, publishing through its own Kafka producer. Started with its settings as JSON.
 */
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';
import type { GeneratorReply, GeneratorRequest, GeneratorSettings } from './generator-process.js';

if (!process.send) throw new Error('generator-worker.ts runs as a child process with IPC (see generator-process.ts)');
const { connection, topic, seed, runId } = JSON.parse(process.argv[2] ?? '{}') as GeneratorSettings;
const generator = createTrafficGenerator({ seed, runId });
const publisher = createKafkaPublisher(createKafka(connection));
const reply = (message: GeneratorReply) => process.send?.(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

let acknowledgedBefore = 0;
let running: AbortController | undefined;

function run(rate: number, durationMs: number): void {
  const abort = new AbortController();
  running = abort;
  let acknowledged = 0;
  runGenerator({
    generator,
    publisher,
    topic,
    ratePerSecond: rate,
    durationMs,
    signal: abort.signal,
    progressIntervalMs: 100,
    onProgress: (p) => {
      acknowledged = p.acknowledged;
      reply({ type: 'acknowledged', total: acknowledgedBefore + acknowledged });
    },
  })
    .then(
      () => reply({ type: 'done' }),
      (error: unknown) => reply({ type: 'failed', error: messageOf(error) }),
    )
    .finally(() => {
      // A failed run still counts what was acknowledged before the failure.
      acknowledgedBefore += acknowledged;
      running = undefined;
    });
}

process.on('message', (request: GeneratorRequest) => {
  switch (request.op) {
    case 'run':
      if (running) reply({ type: 'failed', error: 'a generator run is already going on' });
      else run(request.rate, request.durationMs);
      return;
    case 'abort':
      running?.abort();
      return;
    case 'close':
      running?.abort();
      publisher.close().finally(() => process.exit(0));
      return;
  }
});

// Orphaned (the benchmark worker ended), there is nobody to generate for.
process.on('disconnect', () => process.exit(0));
// The producer connects on the first publish, as the in-process one did.
reply({ type: 'ready' });
