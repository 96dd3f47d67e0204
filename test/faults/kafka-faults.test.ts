/**
 * Kafka faults from the embedded cluster's fault injection, each applied while the pipeline is
 * under load and then healed; every run is verified by counting.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { KafkaApiKey, KafkaErrorCode } from '../../local/kafka/embedded-kafka.js';
import { expectNothingLost } from './expect-nothing-lost.js';
import { type FaultContext, runFaultScenario } from './fault-harness.js';
import { recordFaultRow } from './fault-row-meta.js';

const BROKERS = [1, 2, 3] as const;

/** Injects errors for one request type over the middle of the run, then clears what is left. */
async function withRequestErrors(ctx: FaultContext, apiKey: number, codes: readonly number[]): Promise<void> {
  await ctx.progress(0.25);
  ctx.embedded.pushRequestErrors(apiKey, codes);
  await ctx.progress(0.55);
  ctx.embedded.clearRequestErrors(apiKey);
}

/** Whether a TCP connection to host:port is refused. */
const refusesConnections = (address: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
const repeat = (codes: readonly number[], times: number) => Array.from({ length: times }, () => codes).flat();

describe('Kafka faults', () => {
  it('none (baseline)', async ({ task }) => {
    const run = await runFaultScenario({ fault: 'none (baseline)', inject: async () => {} });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(run.verification.row.failureDestination).toBe(0);
    expect(run.log.warnings).toEqual([]);
  });

  it('broker down and back up', async ({ task }) => {
    let refusing = 0;
    const run = await runFaultScenario({
      fault: 'broker down and back up',
      inject: async ({ embedded, progress, hold }) => {
        await progress(0.25);
        embedded.brokerDown(2);
        // The fault bit: exactly one of the three brokers refuses new connections while it lasts.
        refusing = (await Promise.all(embedded.brokers.map(refusesConnections))).filter(Boolean).length;
        await hold(4000);
        embedded.brokerUp(2);
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(refusing).toBe(1);
  });

  it('partition leaders moved', async ({ task }) => {
    const run = await runFaultScenario({
      fault: 'partition leaders moved',
      inject: async ({ twin, embedded, progress, hold }) => {
        const { raw, clean, enriched, dlq } = twin.pipeline.topics;
        // Ten times over the run, every partition of every topic the stages write moves to the next broker.
        for (let round = 0; round < 10; round++) {
          await progress((2 + round) / 12);
          for (const topic of [raw, clean, enriched, dlq]) {
            for (let p = 0; p < topic.partitions; p++) embedded.setPartitionLeader(topic.name, p, BROKERS[(p + round + 1) % 3] as number);
          }
          await hold(200);
        }
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(run.log.producerErrors.some((m) => /not the leader/.test(m))).toBe(true);
  });

  it('Produce request errors', async ({ task }) => {
    const codes = repeat(
      [
        KafkaErrorCode.NotLeaderForPartition,
        KafkaErrorCode.LeaderNotAvailable,
        KafkaErrorCode.RequestTimedOut,
        KafkaErrorCode.NotEnoughReplicas,
      ],
      10,
    );
    const run = await runFaultScenario({
      fault: 'Produce request errors',
      inject: (ctx) => withRequestErrors(ctx, KafkaApiKey.Produce, codes),
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(run.log.producerErrors.length).toBeGreaterThan(0);
  });

  it('Fetch request errors', async ({ task }) => {
    const codes = repeat([KafkaErrorCode.NotLeaderForPartition, KafkaErrorCode.LeaderNotAvailable, KafkaErrorCode.RequestTimedOut], 10);
    const run = await runFaultScenario({
      fault: 'Fetch request errors',
      inject: (ctx) => withRequestErrors(ctx, KafkaApiKey.Fetch, codes),
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
  });

  it('consumer crash (restarted by the mapping)', async ({ task }) => {
    const crashes = (ctx: Pick<FaultContext, 'twin'>) =>
      Object.values(ctx.twin.mappings).reduce((n, m) => n + m.stats().consumerCrashes, 0);
    let crashed = 0;
    const run = await runFaultScenario({
      fault: 'consumer crash',
      consumerRestart: { backoff: { initialMs: 200, maxMs: 1000 }, maxConsecutiveCrashes: 5, stableAfterMs: 60_000 },
      inject: async (ctx) => {
        await ctx.progress(0.25);
        // Not retriable for kafkajs: the answer crashes the consumer that fetched it, for good. One at a
        // time: a consumer fetches from every broker at once, and one crash stops all its fetchers.
        for (let n = 1; n <= 3; n++) {
          ctx.embedded.pushRequestErrors(KafkaApiKey.Fetch, [KafkaErrorCode.TopicAuthorizationFailed]);
          await ctx.waitFor(`consumer crash ${n}`, () => crashes(ctx) >= n, 60_000);
        }
        ctx.embedded.clearRequestErrors(KafkaApiKey.Fetch);
        crashed = crashes(ctx);
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    const mappings = Object.values(run.twin.mappings).map((m) => m.stats());
    expect(crashed).toBeGreaterThanOrEqual(3);
    // Every crash was followed by a restart, and every mapping still reads.
    expect(mappings.reduce((n, m) => n + m.consumerRestarts, 0)).toBe(mappings.reduce((n, m) => n + m.consumerCrashes, 0));
    expect(run.twin.consumerFailures()).toEqual({});
    expect(run.log.warnings.some((w) => /consumer crashed .*restarting it/.test(w))).toBe(true);
  });

  it('OffsetCommit request errors', async ({ task }) => {
    const codes = repeat([KafkaErrorCode.CoordinatorNotAvailable, KafkaErrorCode.NotCoordinator, KafkaErrorCode.RequestTimedOut], 5);
    const run = await runFaultScenario({
      fault: 'OffsetCommit request errors',
      inject: (ctx) => withRequestErrors(ctx, KafkaApiKey.OffsetCommit, codes),
    });
    recordFaultRow(task, run.verification.row);
    // kafkajs retries a commit that meets a retriable error; what matters is that nothing was lost.
    expectNothingLost(run);
  });

  it('JoinGroup request errors (during a join)', async ({ task }) => {
    let extraPartitions = 0;
    const run = await runFaultScenario({
      fault: 'JoinGroup request errors',
      events: 4000,
      ratePerSecond: 400,
      inject: async (ctx) => {
        await ctx.progress(0.2);
        ctx.embedded.pushRequestErrors(
          KafkaApiKey.JoinGroup,
          repeat([KafkaErrorCode.CoordinatorLoadInProgress, KafkaErrorCode.CoordinatorNotAvailable], 3),
        );
        // A second enrich instance joins: its join and the rejoin of the first meet the errors.
        // Waiting for its assignment, not its records: the join can outlast the load (the mock answers
        // a SyncGroup that arrives while the group is empty with INVALID_REQUEST, which makes kafkajs
        // restart the consumer and join again), and then there is nothing left for it to fetch.
        const extra = ctx.twin.createMapping('enrich');
        ctx.extraMappings.add(extra);
        await extra.start();
        await ctx.waitFor('the second instance to be given partitions', () => extra.stats().assignedPartitions > 0, 120_000);
        extraPartitions = extra.stats().assignedPartitions;
        ctx.embedded.clearRequestErrors(KafkaApiKey.JoinGroup);
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    // The join went through the errors: the group was shared with the new instance.
    expect(extraPartitions).toBeGreaterThan(0);
  });

  it('broker latency', async ({ task }) => {
    const run = await runFaultScenario({
      fault: 'broker latency 150 ms',
      inject: async ({ embedded, progress }) => {
        await progress(0.25);
        for (const id of BROKERS) embedded.setBrokerLatency(id, 150);
        await progress(0.75);
        for (const id of BROKERS) embedded.setBrokerLatency(id, 0);
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
  });
});
