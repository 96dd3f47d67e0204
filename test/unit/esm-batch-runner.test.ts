import { describe, expect, it } from 'vitest';
import type { BatchOutcome } from '../../local/event-source-mapping/batch-response.js';
import {
  type BatchContext,
  type CommitPosition,
  type InvocationAttempt,
  positionsBeforeFailures,
  rejectOversizeRecord,
  runBatch,
} from '../../local/event-source-mapping/batch-runner.js';
import type { FailedInvocation } from '../../local/event-source-mapping/failure-envelope.js';
import {
  type ErrorHandling,
  errorHandlingFor,
  MAX_RETRIES_WITH_FAILURE_DESTINATION,
  UNLIMITED_RETRIES,
} from '../../local/event-source-mapping/poller-mode.js';
import { backoffDelayMs, bisect, retriesExhausted } from '../../local/event-source-mapping/retry-policy.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { RetryPolicy } from '../../src/pipeline/definition.js';

const NOW = 1_800_000_000_000;

function record(partition: number, offset: number, timestamp = NOW - 1000): KafkaRecord {
  return { topic: 't', partition, offset, timestamp, timestampType: 'CREATE_TIME', key: null, value: null, headers: [] };
}
const id = (r: KafkaRecord): string => `${r.partition}@${r.offset}`;

const retryPolicy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxRetryAttempts: 2,
  maxRecordAgeSeconds: -1,
  bisectBatchOnError: false,
  reportBatchItemFailures: true,
  ...overrides,
});
/** Hours the input topic keeps records: on-demand retries end when a record is older. */
const RETENTION_HOURS = 24;
/** Provisioned mode with these stage settings (a Kafka destination). */
const policy = (overrides: Partial<RetryPolicy> = {}): ErrorHandling =>
  errorHandlingFor('provisioned', retryPolicy(overrides), 'kafka', RETENTION_HOURS);
/** On-demand mode: whatever the stage asks for, none of the error-handling controls apply. */
const onDemand = (overrides: Partial<RetryPolicy> = {}): ErrorHandling =>
  errorHandlingFor('on-demand', retryPolicy(overrides), 'sqs', RETENTION_HOURS);

/** A batch context that records what the runner does; `decide` plays the function. */
function harness(
  rules: ErrorHandling,
  decide: (records: readonly KafkaRecord[], attempt: number) => BatchOutcome,
  extra: (records: readonly KafkaRecord[], attempt: number) => Partial<InvocationAttempt> = () => ({}),
) {
  const log: string[] = [];
  const commits: CommitPosition[][] = [];
  const failures: { records: string[]; failure: FailedInvocation }[] = [];
  const waits: number[] = [];
  const released: string[] = [];
  let stopping = false;
  let invocations = 0;
  const ctx: BatchContext = {
    rules,
    backoff: { initialMs: 100, maxMs: 250 },
    async invoke(records, attempt) {
      invocations++;
      log.push(`invoke#${attempt} ${records.map(id).join(',')}`);
      return {
        outcome: decide(records, attempt),
        requestId: `req-${invocations}`,
        payloadBytes: 1000 + records.length,
        ...extra(records, attempt),
      };
    },
    async settle(work) {
      log.push('settle');
      await work;
      log.push('settled');
      return !stopping;
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

  it('provisioned: caps infinite retries at 10 because a failure destination is always set', () => {
    expect(policy({ maxRetryAttempts: -1 }).maxRetries).toBe(MAX_RETRIES_WITH_FAILURE_DESTINATION);
    expect(policy({ maxRetryAttempts: 0 }).maxRetries).toBe(0);
  });

  it('never gives up by count with unlimited retries, only once the oldest record is too old', () => {
    const p = onDemand();
    expect(p.maxRetries).toBe(UNLIMITED_RETRIES);
    expect(retriesExhausted(p, 1, NOW - 1000, NOW)).toBe(false);
    expect(retriesExhausted(p, 10_000, NOW - 1000, NOW)).toBe(false);
    expect(retriesExhausted(p, 1, NOW - RETENTION_HOURS * 3_600_000, NOW)).toBe(false);
    expect(retriesExhausted(p, 1, NOW - RETENTION_HOURS * 3_600_000 - 1, NOW)).toBe(true);
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

  it('provisioned: retries only the records a partial batch response names, committing up to the first one until they succeed', async () => {
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
    // 0@12 succeeded in the first invocation: it is not delivered again, but committed past only with 0@11.
    expect(h.log).toEqual(['invoke#1 0@10,0@11,0@12,1@5', 'commit 0:11,1:6', 'invoke#2 0@11', 'commit 0:13']);
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
    expect(h.log).toEqual(['invoke#1 0@10,0@11,0@12', 'commit 0:11', 'invoke#2 0@11', 'failure 0@11', 'commit 0:13']);
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

describe('positionsBeforeFailures', () => {
  it('commits up to the restart offset of failed partitions and past the end of the others', () => {
    const commit = positionsBeforeFailures(
      [record(0, 1), record(0, 2), record(0, 3), record(1, 8), record(2, 4), record(2, 5)],
      new Map([
        ['t-0', 2],
        ['t-2', 5],
      ]),
    );
    expect(commit).toEqual([
      { topic: 't', partition: 0, offset: 2 },
      { topic: 't', partition: 1, offset: 9 },
      { topic: 't', partition: 2, offset: 5 },
    ]);
  });
});

describe('runBatch per poller mode', () => {
  const batch = [record(0, 10), record(0, 11), record(1, 5)];
  const partialOn11 = (rs: readonly KafkaRecord[]): BatchOutcome => ({
    kind: 'partial',
    restartOffsets: new Map([['t-0', 11]]),
    failed: rs.filter((r) => r.offset === 11),
  });

  it('on-demand: retries the whole batch past 10 failures whatever the stage asks, until the function recovers; nothing to the destination', async () => {
    const h = harness(onDemand({ maxRetryAttempts: 2 }), (_rs, attempt) => (attempt <= 25 ? thrown : ok));
    await runBatch(batch, h.ctx);
    const invocations = h.log.filter((l) => l.startsWith('invoke'));
    expect(invocations).toHaveLength(26);
    // Every attempt held the whole batch, and attempts were counted on.
    expect(new Set(invocations.map((l) => l.replace(/^invoke#\d+ /, '')))).toEqual(new Set(['0@10,0@11,1@5']));
    expect(invocations.at(-1)).toBe('invoke#26 0@10,0@11,1@5');
    expect(h.failures).toEqual([]);
    expect(h.commits).toEqual([
      [
        { topic: 't', partition: 0, offset: 12 },
        { topic: 't', partition: 1, offset: 6 },
      ],
    ]);
    // Backed off between attempts, up to the ceiling.
    expect(h.waits).toHaveLength(25);
    expect(h.waits.at(-1)).toBe(250);
  });

  it("on-demand: a batch whose oldest record is older than the topic's retention expires to the destination after its failure", async () => {
    const h = harness(onDemand(), () => thrown);
    const expired = NOW - RETENTION_HOURS * 3_600_000 - 1000;
    await runBatch([record(0, 1, expired), record(0, 2)], h.ctx);
    expect(h.log).toEqual(['invoke#1 0@1,0@2', 'failure 0@1,0@2', 'commit 0:3']);
    expect(h.failures[0]?.failure).toMatchObject({ approximateInvokeCount: 1, batchSize: 2 });
    expect(h.ctx.rules.destination).toBe('sqs');
  });

  it("provisioned: retries the stage's maxRetryAttempts times, then the failure destination", async () => {
    const h = harness(policy({ maxRetryAttempts: 2 }), () => thrown);
    await runBatch(batch, h.ctx);
    expect(h.log.filter((l) => l.startsWith('invoke'))).toHaveLength(3);
  });

  it("on-demand: the stage's maxRecordAgeSeconds does not end retries, only the topic's retention", async () => {
    const h = harness(onDemand({ maxRecordAgeSeconds: 60 }), (_rs, attempt) => (attempt < 3 ? thrown : ok));
    await runBatch([record(0, 1, NOW - 3_600_000)], h.ctx);
    expect(h.log).toEqual(['invoke#1 0@1', 'invoke#2 0@1', 'invoke#3 0@1', 'commit 0:2']);
  });

  it('provisioned: a record older than maxRecordAgeSeconds goes to the destination after its failure', async () => {
    const h = harness(policy({ maxRetryAttempts: 5, maxRecordAgeSeconds: 60 }), () => thrown);
    await runBatch([record(0, 1, NOW - 3_600_000)], h.ctx);
    expect(h.log).toEqual(['invoke#1 0@1', 'failure 0@1', 'commit 0:2']);
  });

  it('on-demand: never bisects, even when the stage asks for it', async () => {
    const h = harness(onDemand({ bisectBatchOnError: true }), (_rs, attempt) => (attempt < 2 ? thrown : ok));
    await runBatch(batch, h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,1@5', 'invoke#2 0@10,0@11,1@5', 'commit 0:12,1:6']);
  });

  it('provisioned: bisects a failed batch when the stage asks for it', async () => {
    const h = harness(policy({ bisectBatchOnError: true }), (_rs, attempt) => (attempt < 2 ? thrown : ok));
    await runBatch(batch, h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,1@5', 'invoke#2 0@10,0@11', 'commit 0:12', 'invoke#2 1@5', 'commit 1:6']);
  });

  it('on-demand: a batchItemFailures response is not read, the batch counts as a success', () => {
    expect(onDemand({ reportBatchItemFailures: true }).reportBatchItemFailures).toBe(false);
  });

  it('provisioned: a partial batch response retries the named records', async () => {
    const h = harness(policy(), (rs, attempt) => (attempt === 1 ? partialOn11(rs) : ok));
    await runBatch(batch, h.ctx);
    expect(h.log).toEqual(['invoke#1 0@10,0@11,1@5', 'commit 0:11,1:6', 'invoke#2 0@11', 'commit 0:12']);
  });

  it('sends to the destination kind of the mode: sqs on demand, the configured one when provisioned', () => {
    expect(onDemand().destination).toBe('sqs');
    expect(() => errorHandlingFor('on-demand', retryPolicy(), 'kafka', RETENTION_HOURS)).toThrow(/needs provisioned mode/);
    expect(errorHandlingFor('provisioned', retryPolicy(), 'sqs', RETENTION_HOURS).destination).toBe('sqs');
    expect(policy().destination).toBe('kafka');
  });
});

describe('runBatch after a function timeout', () => {
  it('starts no retry while the timed-out handler still runs', async () => {
    let finish = (): void => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const h = harness(
      policy(),
      (_rs, attempt) => (attempt === 1 ? { kind: 'failed', reason: 'task timed out' } : ok),
      (_rs, attempt) => (attempt === 1 ? { stillRunning: running } : {}),
    );
    const done = runBatch([record(0, 1)], h.ctx);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.log).toEqual(['invoke#1 0@1', 'settle']);
    finish();
    await done;
    expect(h.log).toEqual(['invoke#1 0@1', 'settle', 'settled', 'invoke#2 0@1', 'commit 0:2']);
  });

  it('gives nothing to the failure destination and commits nothing before the overrunning handler settles', async () => {
    let finish = (): void => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const h = harness(
      policy({ maxRetryAttempts: 0 }),
      () => ({ kind: 'failed', reason: 'task timed out' }),
      () => ({ stillRunning: running }),
    );
    const done = runBatch([record(0, 1)], h.ctx);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.failures).toEqual([]);
    expect(h.commits).toEqual([]);
    finish();
    await done;
    expect(h.log.slice(-2)).toEqual(['failure 0@1', 'commit 0:2']);
  });
});
