/** `tributary produce [--file f.ndjson]`: sends raw events (one JSON per line, as written) to the raw topic. */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { parseBrokerList } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { CliUsageError } from '../cli-error.js';
import { produceNdjson } from '../generator/ndjson-producer.js';
import { resolveBrokers } from '../twin/twin-address.js';

export interface ProduceOptions {
  file?: string;
  topic?: string;
}

function openInput(file: string | undefined): Readable {
  if (file === undefined) {
    if (process.stdin.isTTY) throw new CliUsageError('give --file <events.ndjson> or pipe events on stdin');
    return process.stdin;
  }
  try {
    if (!statSync(file).isFile()) throw new CliUsageError(`${file} is not a file`);
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    throw new CliUsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return createReadStream(file);
}

export async function produceCommand(options: ProduceOptions): Promise<void> {
  const input = openInput(options.file);
  const { brokers, pipelineName } = resolveBrokers();
  const pipeline = definePipeline({ name: pipelineName });
  const topic = options.topic ?? pipeline.topics.raw.name;
  const kafka = createKafka({ brokers: parseBrokerList(brokers), auth: { type: 'none' }, clientId: 'tributary-produce' });
  const publisher = createKafkaPublisher(kafka);
  try {
    const result = await produceNdjson({
      input,
      publisher,
      topic,
      onProblem: (line, problem) => process.stderr.write(`line ${line}: ${problem}; sent without a key\n`),
    });
    process.stderr.write(`sent ${result.acknowledged.toLocaleString('en-US')} records to ${topic} at ${brokers}\n`);
  } finally {
    await publisher.close();
  }
}
