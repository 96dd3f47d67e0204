import { describe, expect, it } from 'vitest';
import type { BatchOutcome } from '../../local/esm/batch-response.js';
import { type BatchContext, type CommitPosition, rejectOversizeRecord, runBatch, splitAtRestart } from '../../local/esm/batch-runner.js';
import type { FailedInvocation } from '../../local/esm/failure-envelope.js';
import {
  backoffDelayMs,
  bisect,
  effectiveMaxRetries,
  MAX_RETRIES_WITH_FAILURE_DESTINATION,
  retriesExhausted,
} from '../../local/esm/retry-policy.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { RetryPolicy } from '../../src/pipeline/definition.js';

const NOW = 1_800_000_000_000;

function record(partition: number, offset: number, timestamp = NOW - 1000): KafkaRecord {
  return { topic: 't', partition, offset, timestamp, timestampType: 'CREATE_TIME', key: null, value: null, headers: [] };
}
const id = (r: KafkaRecord): string => `${r.partition}@${r.offset}`;

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxRetryAttempts: 2,
  maxRecordAgeSeconds: -1,
  bisectBatchOnError: false,
  reportBatchItemFailures: true,
  ...overrides,
});

/** A batch context that records what the runner does; `decide` plays the function. */
function harness(retry: RetryPolicy, decide: (records: readonly KafkaRecord[], attempt: number) => BatchOutcome) {
  const log: string[] = [];
  const commits: CommitPosition[][] = [];
  const failures: { records: string[]; failure: FailedInvocation }[] = [];
  const waits: number[] = [];
  const released: string[] = [];
  let stopping = false;
  let invocations = 0;
  const ctx: BatchContext = {
    retry,
    backoff: { initialMs: 100, maxMs: 250 },
    async invoke(records, attempt) {
      invocations++;
      log.push(`invoke#${attempt} ${records.map(id).join(',')}`);
      return { outcome: decide(records, attempt), requestId: `req-${invocations}`, payloadBytes: 1000 + records.length };
    },
    async sendToFailureDestination(records, failure) {
      log.push(`failure ${records.map(id).join(',')}`);
      failures.push({ records: records.map(id), failure });
      return !stopping;
    },
    async commit(positions) {
      log.push(`commit ${positions.map((p) => `${p.partition}:${p.offset}`).join(',')}`);
      commits.push([...positions]);
    },
    async wait(ms) {
      waits.push(ms);
      return !stopping;
    },
    isStopping: () => stopping,
    release: (keys) => released.push(...keys),
    now: () => NOW,
  };
  return {
    ctx,
    log,
    commits,
    failures,
    waits,
    released,
    stop: () => {
      stopping = true;
    },
  };
}

const ok: BatchOutcome = { kind: 'success' };
const thrown: BatchOutcome = { kind: 'failed', reason: 'boom' };

describe('retry policy', () => {
  it('doubles the backoff up to the ceiling', () => {
    const backoff = { initialMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 60].map((n) => backoffDelayMs(n, backoff))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('caps infinite retries at 10 because a failure destination is always set', () => {
    expect(effectiveMaxRetries(policy({ maxRetryAttempts: -1 }))).toBe(MAX_RETRIES_WITH_FAILURE_DESTINATION);
    expect(effectiveMaxRetries(policy({ maxRetryAttempts: 0 }))).toBe(0);
  });

  it('gives up after maxRetryAttempts retries or once the oldest record is too old', () => {
    const p = policy({ maxRetryAttempts: 2, maxRecordAgeSeconds: 60 });
    expect(retriesExhausted(p, 2, NOW - 1000, NOW)).toBe(false);
    expect(retriesExhausted(p, 3, NOW - 1000, NOW)).toBe(true);
    expect(retriesExhausted(p, 1, NOW - 61_000, NOW)).toBe(true);
    expect(retriesExhausted(policy({ maxRecordAgeSeconds: -1 }), 1, 0, NOW)).toBe(false);
  });

  it('bisects with the earlier half first', () => {
    expect(bisect([1, 2, 3, 4, 5])).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });
});

describe('runBatch', () => {
  const batch = [record(0, 10), record(0, 11), record(1, 5)];

  it('commits past each partition once the function succeeds', async () => {
    const h = harness(policy(), () => ok);
    await runBatch(batch, h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,1@5', 'commit 0:12,1:6']);
    expect(h.released.sort()).toEqual(['t-0', 't-1']);
  });

  it('retries a failing batch with backoff and commits nothing before it succeeds', async () => {
    const h = harness(policy(), (_records, attempt) => (attempt < 3 ? thrown : ok));
    await runBatch(batch, h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,1@5', 'invoke#2 0@10,0@11,1@5', 'invoke#3 0@10,0@11,1@5', 'commit 0:12,1:6']);
    expect(h.waits).toEqual([100, 200]);
  });

  it('sends every record to the failure destination after the last retry, then commits past them', async () => {
    const h = harness(policy({ maxRetryAttempts: 2 }), () => thrown);
    await runBatch(batch, h.ctx);
    expect(h.log.slice(3)).toEqual(['failure 0@10,0@11,1@5', 'commit 0:12,1:6']);
    expect(h.failures[0]?.failure).toEqual({
      requestId: 'req-3',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      batchSize: 3,
      payloadSize: 1003,
    });
  });

  it('gives up at once when the records are older than maxRecordAgeSeconds', async () => {
    const h = harness(policy({ maxRetryAttempts: 5, maxRecordAgeSeconds: 60 }), () => thrown);
    await runBatch([record(0, 1, NOW - 120_000)], h.ctx);
    expect(h.log).toEqual(['invoke#1 0@1', 'failure 0@1', 'commit 0:2']);
  });

  it('bisects down to the poison record, keeping partition order, and commits around it', async () => {
    const records = [record(0, 0), record(0, 1), record(0, 2), record(0, 3), record(0, 4)];
    const h = harness(policy({ maxRetryAttempts: 3, bisectBatchOnError: true }), (rs) => (rs.some((r) => r.offset === 3) ? thrown : ok));
    await runBatch(records, h.ctx);
    expect(h.log).toEqual([
      'invoke#1 0@0,0@1,0@2,0@3,0@4',
      'invoke#2 0@0,0@1,0@2',
      'commit 0:3',
      'invoke#2 0@3,0@4',
      'invoke#3 0@3',
      'invoke#4 0@3',
      'failure 0@3',
      'commit 0:4',
      'invoke#3 0@4',
      'commit 0:5',
    ]);
  });

  it('redelivers from the lowest failed offset after a partial batch response', async () => {
    const h = harness(policy(), (rs, attempt) =>
      attempt === 1
        ? {
            kind: 'partial',
            restartOffsets: new Map([['t-0', 11]]),
            failed: rs.filter((r) => r.partition === 0 && r.offset === 11),
          }
        : ok,
    );
    await runBatch([record(0, 10), record(0, 11), record(0, 12), record(1, 5)], h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,0@12,1@5', 'commit 0:11,1:6', 'invoke#2 0@11,0@12', 'commit 0:13']);
    // Partition 1 was done after the first invocation and freed for the next batch.
    expect(h.released).toEqual(['t-1', 't-0']);
  });

  it('sends only the records named failed once partial retries are exhausted', async () => {
    const h = harness(policy({ maxRetryAttempts: 1 }), (rs) => ({
      kind: 'partial',
      restartOffsets: new Map([['t-0', 11]]),
      failed: rs.filter((r) => r.offset === 11),
    }));
    await runBatch([record(0, 10), record(0, 11), record(0, 12)], h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,0@12', 'commit 0:11', 'invoke#2 0@11,0@12', 'failure 0@11', 'commit 0:13']);
    expect(h.failures[0]?.failure.approximateInvokeCount).toBe(2);
  });

  it('abandons a batch waiting to retry when the mapping stops, committing nothing', async () => {
    const h = harness(policy(), () => thrown);
    h.stop();
    await runBatch(batch, h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,1@5']);
    expect(h.commits).toEqual([]);
  });

  it('sends an oversize record to the failure destination and commits past it', async () => {
    const h = harness(policy(), () => ok);
    await rejectOversizeRecord(record(2, 40), 7_000_000, h.ctx);
    expect(h.log).toEqual(['failure 2@40', 'commit 2:41']);
    expect(h.failures[0]?.failure).toMatchObject({
      condition: 'MaximumPayloadSizeExceeded',
      approximateInvokeCount: 0,
      batchSize: 1,
      payloadSize: 7_000_000,
    });
    expect(h.released).toEqual(['t-2']);
  });
});

describe('splitAtRestart', () => {
  it('commits up to the restart offset of failed partitions and past the end of the others', () => {
    const { redeliver, commit } = splitAtRestart(
      [record(0, 1), record(0, 2), record(0, 3), record(1, 8), record(2, 4), record(2, 5)],
      new Map([
        ['t-0', 2],
        ['t-2', 5],
      ]),
    );
    expect(redeliver.map(id)).toEqual(['0@2', '0@3', '2@5']);
    expect(commit).toEqual([
      { topic: 't', partition: 0, offset: 2 },
      { topic: 't', partition: 1, offset: 9 },
      { topic: 't', partition: 2, offset: 5 },
    ]);
  });
});
