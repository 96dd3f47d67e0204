/** Publishes committed transactions in order, many per request, and confirms their end LSN. */
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { AcknowledgedPublish } from './acknowledged-publish.js';
import type { CaptureState } from './capture-state.js';
import type { PendingTransaction } from './pending-transactions.js';

const PUBLISH_CHUNK = 1000;
const BATCH_RECORDS = 5000;

/** Runs until the capture stops; `acknowledge` tells the slot the new confirmed LSN. */
export async function flushTransactions(state: CaptureState, publish: AcknowledgedPublish, acknowledge: () => void): Promise<void> {
  while (!state.stopping) {
    if (state.pending.isEmpty) {
      await state.wakeups.next(1000);
      continue;
    }
    const batch = state.pending.takeBatch(BATCH_RECORDS);
    const myGeneration = state.generation;
    const records = batch.flatMap((t) => t.records);
    const published = await publishInChunks(state, publish, records);
    state.pending.settle(records.length);
    if (!published || myGeneration !== state.generation) continue;
    confirmBatch(state, batch);
    acknowledge();
    state.wakeups.wake();
  }
}

/** In requests of at most PUBLISH_CHUNK records; the end LSN is confirmed only after the last. */
async function publishInChunks(state: CaptureState, publish: AcknowledgedPublish, records: OutputRecord[]): Promise<boolean> {
  let published = true;
  for (let i = 0; i < records.length && published; i += PUBLISH_CHUNK) {
    const chunk = records.slice(i, i + PUBLISH_CHUNK);
    published = await publish(chunk);
    if (published) state.counters.recordsAcknowledged += chunk.length;
  }
  return published;
}

function confirmBatch(state: CaptureState, batch: readonly PendingTransaction[]): void {
  const last = batch.at(-1) as PendingTransaction;
  if (last.endLsn > state.confirmed) state.confirmed = last.endLsn;
  state.counters.transactionsConfirmed += batch.length;
  state.counters.changesPublished += batch.reduce((n, t) => n + t.changes, 0);
}
