/**
 * Writes failed records to the mapping's on-failure destination, emulated by a local topic in the
 * format of the configured kind: `kafka`, one envelope per record keyed with the record's key;
 * `sqs`, one batch envelope (offsets only) per failure, unkeyed. Retries until the write succeeds
 * or the mapping stops: records are committed past only once their envelopes are stored.
 */
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { EventSourceInfo } from '../../src/kafka/msk-event-codec.js';
import { buildBatchFailureEnvelope, buildFailureEnvelope, type FailedInvocation, type FailureEnvelope } from './failure-envelope.js';
import type { FailureDestinationKind } from './poller-mode.js';
import { backoffDelayMs, type RetryBackoff } from './retry-policy.js';

export interface FailureDestinationOptions {
  readonly kind: FailureDestinationKind;
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
  const context = { functionArn: options.functionArn, source: options.source };
  const messages = (withPayload: boolean) =>
    options.kind === 'sqs'
      ? [{ topic: options.topic, key: null, value: JSON.stringify(buildBatchFailureEnvelope(records, failure, context)), headers: {} }]
      : records.map((record) => {
          const envelope = buildFailureEnvelope(record, failure, context);
          return {
            topic: options.topic,
            key: record.key,
            value: JSON.stringify(withPayload ? envelope : withoutPayload(envelope)),
            headers: {},
          };
        });
  let withPayload = true;
  for (let attempt = 1; ; attempt++) {
    try {
      await publisher.publish(messages(withPayload));
      return true;
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable !== false;
      if (!retriable && withPayload && options.kind === 'kafka') {
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
