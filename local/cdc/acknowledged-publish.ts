/** Publishing change records until Kafka acknowledges them. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { CaptureState } from './capture-state.js';

/** Publishes until Kafka acknowledges (retrying with backoff), unless the capture stops: then resolves false. */
export type AcknowledgedPublish = (records: OutputRecord[]) => Promise<boolean>;

export function acknowledgedPublish(state: CaptureState, publisher: RecordPublisher, warn: (message: string) => void): AcknowledgedPublish {
  return async (records) => {
    for (let attempt = 0; ; attempt++) {
      if (state.stopping) return false;
      try {
        await publisher.publish(records);
        return true;
      } catch (error) {
        state.counters.publishRetries++;
        if (attempt % 5 === 0) warn(`Kafka did not acknowledge ${records.length} change record(s), retrying: ${(error as Error).message}`);
        await sleep(Math.min(200 * 2 ** Math.min(attempt, 4), 3000));
      }
    }
  };
}
