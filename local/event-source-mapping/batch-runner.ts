/**
 * Drives one dispatched batch to its end: invoke, then commit, retry (with backoff, bisecting when
 * the mode allows it), retry only the failed records after a partial batch response, or hand the
 * records to the failure destination once retries run out. Offsets move only past records that
 * were processed or delivered to the failure destination. The Kafka side lives behind BatchContext;
 * the rules come from the mode's ErrorHandling (poller-mode.ts).
 */
import { randomUUID } from 'node:crypto';
import { type KafkaRecord, topicPartitionKey } from '../../src/kafka/msk-event.js';
import type { BatchOutcome } from './batch-response.js';
import { type FailedInvocation, FailureCondition } from './failure-envelope.js';
import type { ErrorHandling } from './poller-mode.js';
import { backoffDelayMs, bisect, type RetryBackoff, retriesExhausted } from './retry-policy.js';

export interface InvocationAttempt {
  readonly outcome: BatchOutcome;
  readonly requestId: string;
  /** Bytes of the payload the function received. */
  readonly payloadBytes: number;
  /**
   * Set when the function timed out while its handler kept running: settles when the handler does.
   * Nothing is retried, committed or given up before then, so no side effect of the timed-out run
   * can land after a later attempt or commit.
   */
  readonly stillRunning?: Promise<void>;
}

/** The next offset to read in a partition, i.e. what gets committed. */
export interface CommitPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface BatchContext {
  readonly rules: ErrorHandling;
  readonly backoff: RetryBackoff;
  /** Invokes the function once with these records (`attempt` counts from 1); never rejects. */
  invoke(records: readonly KafkaRecord[], attempt: number): Promise<InvocationAttempt>;
  /** Delivers records to the failure destination; resolves false if the mapping stopped first. */
  sendToFailureDestination(records: readonly KafkaRecord[], failure: FailedInvocation): Promise<boolean>;
  /** Commits positions; never rejects (a lost commit only means redelivery). */
  commit(positions: readonly CommitPosition[]): Promise<void>;
  /** Waits; resolves false at once when the mapping is stopping. */
  wait(ms: number): Promise<boolean>;
  /** Waits for `work` to settle; resolves false at once when the mapping is stopping. */
  settle(work: Promise<void>): Promise<boolean>;
  isStopping(): boolean;
  /** These partitions have nothing left in this batch: they may join the next one. */
  release(partitionKeys: readonly string[]): void;
  now(): number;
}

interface Unit {
  records: KafkaRecord[];
  /** Failed invocations so far that held these records. */
  failedAttempts: number;
  /**
   * What to commit once the unit is done. After a partial batch response only the failed records
   * are retried, but the commit still goes past the end of the records they came with.
   */
  commitWhenDone?: CommitPosition[];
}

/** Positions just past the last record of each partition. */
export function positionsAfter(records: readonly KafkaRecord[]): CommitPosition[] {
  const last = new Map<string, KafkaRecord>();
  for (const record of records) last.set(topicPartitionKey(record.topic, record.partition), record);
  return [...last.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1 }));
}

function partitionKeys(records: readonly KafkaRecord[]): Set<string> {
  const keys = new Set<string>();
  for (const r of records) keys.add(topicPartitionKey(r.topic, r.partition));
  return keys;
}

function oldestTimestamp(records: readonly KafkaRecord[]): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const r of records) if (r.timestamp < oldest) oldest = r.timestamp;
  return oldest;
}

/**
 * After a partial batch response: where each partition may be committed now (its lowest failed
 * offset, or past the end where nothing failed). The records before the first failure are done;
 * the committed offset stays at the first failure until the failed records have succeeded, so a
 * restart in between redelivers from there (at-least-once).
 */
export function positionsBeforeFailures(
  records: readonly KafkaRecord[],
  restartOffsets: ReadonlyMap<string, number>,
  whenDone: readonly CommitPosition[] = positionsAfter(records),
): CommitPosition[] {
  return donePositions(records, whenDone).map((position) => {
    const restart = restartOffsets.get(topicPartitionKey(position.topic, position.partition));
    return restart === undefined ? position : { ...position, offset: restart };
  });
}

/**
 * The positions of `whenDone` for the partitions `records` hold. A partition a partial response
 * left alone was committed and released already: committing it again could move it back.
 */
function donePositions(records: readonly KafkaRecord[], whenDone: readonly CommitPosition[]): CommitPosition[] {
  const keys = partitionKeys(records);
  return whenDone.filter((p) => keys.has(topicPartitionKey(p.topic, p.partition)));
}

/** What a finished unit commits: past its records, or past the records it was retried for. */
function finalPositions(unit: Unit): CommitPosition[] {
  return unit.commitWhenDone ? donePositions(unit.records, unit.commitWhenDone) : positionsAfter(unit.records);
}

/** Runs a batch until every record is committed past, or until the mapping stops. */
export async function runBatch(records: readonly KafkaRecord[], ctx: BatchContext): Promise<void> {
  const units: Unit[] = [{ records: [...records], failedAttempts: 0 }];
  const held = partitionKeys(records);
  const releaseFinished = (): void => {
    const stillNeeded = new Set<string>();
    for (const unit of units) for (const key of partitionKeys(unit.records)) stillNeeded.add(key);
    const done = [...held].filter((key) => !stillNeeded.has(key));
    for (const key of done) held.delete(key);
    if (done.length > 0) ctx.release(done);
  };
  const giveUp = async (failed: readonly KafkaRecord[], unit: Unit, failure: FailedInvocation) => {
    if (!(await ctx.sendToFailureDestination(failed, failure))) return false;
    await ctx.commit(finalPositions(unit));
    return true;
  };

  while (units.length > 0) {
    const unit = units[0] as Unit;
    const attempt = await ctx.invoke(unit.records, unit.failedAttempts + 1);
    // A timed-out handler still running: the next step waits for it (Lambda would have ended it).
    if (attempt.stillRunning && !(await ctx.settle(attempt.stillRunning))) return;
    const { outcome } = attempt;
    const failedAttempts = unit.failedAttempts + 1;
    const failure = (batch: readonly KafkaRecord[]): FailedInvocation => ({
      requestId: attempt.requestId,
      condition: FailureCondition.retriesExhausted,
      approximateInvokeCount: failedAttempts,
      batchSize: batch.length,
      payloadSize: attempt.payloadBytes,
    });

    if (outcome.kind === 'success') {
      units.shift();
      await ctx.commit(finalPositions(unit));
    } else if (outcome.kind === 'partial') {
      const commitWhenDone = unit.commitWhenDone ?? positionsAfter(unit.records);
      if (retriesExhausted(ctx.rules, failedAttempts, oldestTimestamp(outcome.failed), ctx.now())) {
        // Records the response did not name were processed; only the named ones failed.
        units.shift();
        if (!(await giveUp(outcome.failed, { ...unit, commitWhenDone }, failure(unit.records)))) return;
      } else {
        await ctx.commit(positionsBeforeFailures(unit.records, outcome.restartOffsets, commitWhenDone));
        units[0] = { records: [...outcome.failed], failedAttempts, commitWhenDone };
        releaseFinished();
        if (!(await ctx.wait(backoffDelayMs(failedAttempts, ctx.backoff)))) return;
        continue;
      }
    } else if (retriesExhausted(ctx.rules, failedAttempts, oldestTimestamp(unit.records), ctx.now())) {
      units.shift();
      if (!(await giveUp(unit.records, unit, failure(unit.records)))) return;
    } else {
      // Records left by a partial response are retried together: a half would not know where to commit.
      if (ctx.rules.bisectBatchOnError && unit.records.length > 1 && unit.commitWhenDone === undefined) {
        const [first, second] = bisect(unit.records);
        units.splice(0, 1, { records: first, failedAttempts }, { records: second, failedAttempts });
      } else {
        unit.failedAttempts = failedAttempts;
      }
      if (!(await ctx.wait(backoffDelayMs(failedAttempts, ctx.backoff)))) return;
      continue;
    }
    releaseFinished();
    // Stopping drains the invocation that was running, not the rest of the batch.
    if (units.length > 0 && ctx.isStopping()) return;
  }
}

/** A record too large for any invocation: straight to the failure destination, then committed past. */
export async function rejectOversizeRecord(record: KafkaRecord, payloadBytes: number, ctx: BatchContext): Promise<void> {
  const failure: FailedInvocation = {
    requestId: randomUUID(),
    condition: FailureCondition.maximumPayloadSizeExceeded,
    approximateInvokeCount: 0,
    batchSize: 1,
    payloadSize: payloadBytes,
  };
  if (!(await ctx.sendToFailureDestination([record], failure))) return;
  await ctx.commit(positionsAfter([record]));
  ctx.release([topicPartitionKey(record.topic, record.partition)]);
}
