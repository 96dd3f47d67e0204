/**
 * Stage faults: a sink that dies between its store commit and its offset commit, a consumer group
 * rebalancing while batches are in flight, and a poison record that makes a handler throw every time.
 */
import { describe, expect, it } from 'vitest';
import type { StageHandler } from '../../functions/shared/batch-handler.js';
import type { EsmHandler } from '../../local/esm/event-source-mapping.js';
import { FailureCondition } from '../../local/esm/failure-envelope.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { SequencedSource } from '../verify/sequenced-producer.js';
import { expectNothingLost } from './expect-nothing-lost.js';
import { PROVISIONED_KAFKA_DESTINATION, runFaultScenario } from './fault-harness.js';
import { recordFaultRow } from './fault-row-meta.js';

const POISON_HEADER = 'tributary-test-poison';

/** A promise with its resolve function. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('stage faults', () => {
  it('sink throws after its store commit, before the offset commit: the redelivery counts nothing twice', async ({ task }) => {
    let invocations = 0;
    let crashes = 0;
    const run = await runFaultScenario({
      fault: 'sink crashes after store commit (throws)',
      wrapHandler: (stage, handler) =>
        stage !== 'sink'
          ? handler
          : async (event) => {
              const response = await handler(event);
              // Every third invocation dies after the store committed, up to 15 times.
              if (++invocations % 3 === 0 && crashes < 15) {
                crashes++;
                throw new Error('sink crashed after the store commit');
              }
              return response;
            },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(crashes).toBeGreaterThan(0);
    // Every crashed batch came again and the store recognised its records.
    expect(run.sinkDuplicates).toBeGreaterThanOrEqual(crashes);
  });

  it('sink killed after its store commit and restarted: the new instance redelivers, the store absorbs it', async ({ task }) => {
    const committed = deferred<number>();
    const kill = deferred();
    let armed = true;
    let redeliveredTo = 0;
    const run = await runFaultScenario({
      fault: 'sink killed after store commit, restarted',
      wrapHandler: (stage, handler) =>
        stage !== 'sink'
          ? handler
          : async (event) => {
              const response = await handler(event);
              if (armed) {
                armed = false;
                // The store has committed; the process dies before the mapping can commit the offsets.
                committed.resolve(decodeMskEvent(event).length);
                await kill.promise;
                throw new Error('sink process killed');
              }
              return response;
            },
      inject: async ({ twin, extraMappings, progress }) => {
        await progress(0.25);
        const records = await committed.promise;
        const stopping = twin.mappings.sink.stop();
        kill.resolve();
        await stopping;
        const restarted = twin.createMapping('sink');
        extraMappings.add(restarted);
        await restarted.start();
        redeliveredTo = records;
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(redeliveredTo).toBeGreaterThan(0);
    expect(run.sinkDuplicates).toBeGreaterThanOrEqual(redeliveredTo);
  });

  it('consumer group rebalance mid-batch: a second instance of every stage joins, then leaves', async ({ task }) => {
    const extraRecords: Record<StageName, number> = { ingest: 0, enrich: 0, sink: 0 };
    // Slow handlers keep batches in flight when the group rebalances.
    const slow =
      (_stage: StageName, handler: StageHandler): EsmHandler =>
      async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return handler(event);
      };
    const run = await runFaultScenario({
      fault: 'consumer group rebalance mid-batch',
      // 20 s of traffic: joining takes the mock cluster about 9 s, and the second instances must
      // still find records to take when they are in.
      events: 4000,
      ratePerSecond: 200,
      wrapHandler: slow,
      inject: async ({ twin, extraMappings, progress }) => {
        await progress(0.1);
        const extras = STAGE_NAMES.map((stage) => [stage, twin.createMapping(stage)] as const);
        for (const [, mapping] of extras) extraMappings.add(mapping);
        await Promise.all(extras.map(([, mapping]) => mapping.start()));
        // Leave mid-run, once every second instance has had batches of its own.
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && extras.some(([, mapping]) => mapping.stats().invokedRecords === 0)) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        for (const [stage, mapping] of extras) {
          await mapping.stop();
          extraRecords[stage] = mapping.stats().invokedRecords;
        }
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    // The second instances took part: the group really was shared, then handed back.
    expect(Object.values(extraRecords).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('poison record: to the failure destination after the configured retries, the rest of its partition moves on', async ({ task }) => {
    const poisonEvery = 1000;
    let sent = 0;
    const poison = (base: SequencedSource): SequencedSource => ({
      next() {
        const input = base.next();
        sent++;
        if (sent % poisonEvery !== 0 || input.expect.outcome !== 'stored') return input;
        return { ...input, headers: { [POISON_HEADER]: '1' }, expect: { outcome: 'failure-destination', eventId: input.expect.eventId } };
      },
    });
    const throwsOnPoison = (stage: StageName, handler: StageHandler): EsmHandler =>
      stage !== 'sink'
        ? handler
        : async (event) => {
            if (decodeMskEvent(event).some((r) => r.headers.some((h) => h.key === POISON_HEADER)))
              throw new Error('cannot store this record');
            return handler(event);
          };
    const run = await runFaultScenario({
      fault: 'poison record in the sink',
      // Retries run out only in provisioned mode; the Kafka format keeps the record for the verifier.
      mode: PROVISIONED_KAFKA_DESTINATION,
      source: poison,
      wrapHandler: throwsOnPoison,
      retryBackoff: { initialMs: 20, maxMs: 200 },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    const { failuresBySequence, row } = run.verification;
    expect(row.failureDestination).toBeGreaterThanOrEqual(1);
    expect(row.failureDestination).toBe(failuresBySequence.size);
    const retries = run.twin.mappings.sink.rules.maxRetries;
    for (const entries of failuresBySequence.values()) {
      for (const entry of entries) {
        expect(entry.stage).toBe('sink');
        expect(entry.reason).toBe(FailureCondition.retriesExhausted);
        // Invoked once, then retried exactly as configured (bisecting down to the record on the way).
        expect(entry.envelope?.requestContext.approximateInvokeCount).toBe(retries + 1);
        expect(entry.headers.some((h) => h.key === POISON_HEADER)).toBe(true);
      }
    }
  });
});
