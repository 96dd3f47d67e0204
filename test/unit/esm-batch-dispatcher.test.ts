/**
 * The dispatcher's commit past records kafkajs fetched but does not deliver (transaction markers):
 * only once every record fetched before them is committed past. And a seek: queued records and the
 * open batch's records of the partition are dropped, a batch in flight commits nothing.
 */
import { describe, expect, it } from 'vitest';
import { BatchDispatcher } from '../../local/esm/batch-dispatcher.js';
import type { CommitPosition } from '../../local/esm/batch-runner.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';

const record = (offset: number): KafkaRecord => ({
  topic: 't',
  partition: 0,
  offset,
  timestamp: 1_700_000_000_000,
  timestampType: 'CREATE_TIME',
  key: null,
  value: Buffer.from('v'),
  headers: [],
});

/** A dispatcher with a zero window whose batches run until the test finishes them. */
function dispatcher() {
  const commits: number[] = [];
  const running: { records: readonly KafkaRecord[]; finish: () => void }[] = [];
  const d: BatchDispatcher = new BatchDispatcher({
    batchSize: 10,
    batchingWindowMs: 0,
    maxPayloadBytes: 6 * 1024 * 1024,
    source: { eventSource: 'aws:kafka', eventSourceArn: 'arn', bootstrapServers: 'b:9092' },
    runBatch: (records) =>
      new Promise<void>((resolve) => {
        running.push({
          records,
          finish: () => {
            // As runBatch does: commit past the records, then release the partition.
            const position: CommitPosition = { topic: 't', partition: 0, offset: (records.at(-1)?.offset ?? 0) + 1 };
            const admitted = d.commitsAdmitted([position]);
            commits.push(...admitted.map((p) => p.offset));
            d.onCommitted(admitted);
            d.release(['t-0']);
            resolve();
          },
        });
      }),
    rejectOversize: async () => {},
    commit: async (positions) => {
      commits.push(...positions.map((p) => p.offset));
      d.onCommitted(positions);
    },
    pause: () => {},
    resume: () => {},
    isStopping: () => false,
    warn: () => {},
  });
  const batchStarted = async () => {
    // The zero window closes the batch on a timer.
    for (let i = 0; i < 100 && running.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    return running.shift();
  };
  return { d, commits, batchStarted };
}

describe('BatchDispatcher: records kafkajs skips', () => {
  it('commits past a marker at once when nothing of its partition waits', () => {
    const { d, commits } = dispatcher();
    d.skipTo('t', 0, 4);
    expect(commits).toEqual([4]);
  });

  it('waits for the batch in flight before the marker, then commits past both in order', async () => {
    const { d, commits, batchStarted } = dispatcher();
    d.enqueue('t', 0, [record(0), record(1), record(2)], Date.now());
    const batch = await batchStarted();
    d.skipTo('t', 0, 4);
    expect(commits).toEqual([]);
    batch?.finish();
    expect(commits).toEqual([3, 4]);
  });

  it('ignores a skip the partition is already past', async () => {
    const { d, commits, batchStarted } = dispatcher();
    d.enqueue('t', 0, [record(5)], Date.now());
    (await batchStarted())?.finish();
    d.skipTo('t', 0, 6);
    d.skipTo('t', 0, 4);
    expect(commits).toEqual([6]);
  });
});

describe('BatchDispatcher: seek', () => {
  it('drops the queued records; the batch in flight finishes without committing; the next batch starts at the sought offset', async () => {
    const { d, commits, batchStarted } = dispatcher();
    d.enqueue('t', 0, [record(0), record(1), record(2)], Date.now());
    const held = await batchStarted();
    d.enqueue('t', 0, [record(3), record(4)], Date.now());
    d.seek('t', 0, 1);
    held?.finish();
    expect(commits).toEqual([]);
    // kafkajs fetches again from the sought offset.
    d.enqueue('t', 0, [record(1), record(2), record(3), record(4)], Date.now());
    const next = await batchStarted();
    expect(next?.records.map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    next?.finish();
    expect(commits).toEqual([5]);
    expect(d.committed).toBe(4);
  });

  it("drops the partition's records from the open batch", async () => {
    const { d, batchStarted } = dispatcher();
    d.enqueue('t', 0, [record(7), record(8)], Date.now());
    d.seek('t', 0, 2); // before the zero window's timer closes the batch
    expect(await batchStarted()).toBeUndefined();
    d.enqueue('t', 0, [record(2)], Date.now());
    expect((await batchStarted())?.records.map((r) => r.offset)).toEqual([2]);
  });
});
