/**
 * Writes failed records to the mapping's Kafka on-failure destination, one envelope per record,
 * keyed with the record's key. Retries until the write succeeds or the mapping stops: records are
 * committed past only once their envelopes are stored.
 */
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { EventSourceInfo } from '../../src/kafka/msk-event-codec.js';
import { buildFailureEnvelope, type FailedInvocation, type FailureEnvelope } from './failure-envelope.js';
import { backoffDelayMs, type RetryBackoff } from './retry-policy.js';

export interface FailureDestinationOptions {
  readonly topic: string;
  readonly functionArn: string;
  readonly source: EventSourceInfo;
  readonly backoff: RetryBackoff;
  /** Waits between attempts; resolves false when the mapping is stopping. */
  readonly wait: (ms: number) => Promise<boolean>;
  readonly warn: (message: string) => void;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withoutPayload(envelope: FailureEnvelope): FailureEnvelope {
  const { payload: _payload, ...rest } = envelope;
  return rest;
}

/** Sends the envelopes of `records`; resolves false only if the mapping stopped before they were stored. */
export async function sendToFailureDestination(
  publisher: RecordPublisher,
  records: readonly KafkaRecord[],
  failure: FailedInvocation,
  options: FailureDestinationOptions,
): Promise<boolean> {
  const envelopes = records.map((record) => ({
    record,
    envelope: buildFailureEnvelope(record, failure, { functionArn: options.functionArn, source: options.source }),
  }));
  let withPayload = true;
  for (let attempt = 1; ; attempt++) {
    try {
      await publisher.publish(
        envelopes.map(({ record, envelope }) => ({
          topic: options.topic,
          key: record.key,
          value: JSON.stringify(withPayload ? envelope : withoutPayload(envelope)),
          headers: {},
        })),
      );
      return true;
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable !== false;
      if (!retriable && withPayload) {
        // Most likely a record too large for the destination: store the envelope without it.
        options.warn(`failure destination refused the envelopes (${errorMessage(error)}); resending without payload`);
        withPayload = false;
        continue;
      }
      options.warn(`cannot write to failure destination ${options.topic}: ${errorMessage(error)}`);
      if (!(await options.wait(backoffDelayMs(attempt, options.backoff)))) return false;
    }
  }
}
