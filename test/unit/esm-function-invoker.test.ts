import { describe, expect, it } from 'vitest';
import { FunctionInvoker } from '../../local/esm/function-invoker.js';
import type { InvocationInfo } from '../../local/esm/mapping-config.js';
import { StatsRecorder } from '../../local/esm/mapping-stats.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';

const records: KafkaRecord[] = [
  { topic: 't', partition: 0, offset: 3, timestamp: 0, timestampType: 'CREATE_TIME', key: null, value: Buffer.from('x'), headers: [] },
];
const source = { eventSource: 'aws:kafka' as const, bootstrapServers: 'b:9092' };

function invoker(handler: () => Promise<unknown>, reportBatchItemFailures = true) {
  const stats = new StatsRecorder();
  const infos: InvocationInfo[] = [];
  const fn = new FunctionInvoker({
    functionName: 'fn',
    handler: handler as never,
    timeoutMs: 50,
    source,
    reportBatchItemFailures,
    stats,
    onInvocation: (info) => infos.push(info),
    warn: () => {},
  });
  return { fn, stats, infos };
}

describe('FunctionInvoker', () => {
  it('fails the invocation at the timeout and hands back the run that is still going', async () => {
    let finish = (): void => {};
    const { fn, stats, infos } = invoker(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    const attempt = await fn.invoke(records, 1);
    expect(attempt.outcome).toEqual({ kind: 'failed', reason: 'fn: task timed out after 0.05 seconds' });
    expect(infos[0]).toMatchObject({ outcome: 'error', attempt: 1 });
    expect(attempt.stillRunning).toBeInstanceOf(Promise);
    expect(stats.snapshot({ polled: 0, committed: 0, consumerCrashes: 0, consumerRestarts: 0 })).toMatchObject({
      timedOut: 1,
      overrunning: 1,
      inFlight: 0,
    });
    finish();
    await attempt.stillRunning;
    expect(stats.overrunning).toBe(0);
  });

  it('has nothing still running when the handler settles in time, even by throwing', async () => {
    const { fn } = invoker(async () => {
      throw new Error('store down');
    });
    const attempt = await fn.invoke(records, 2);
    expect(attempt.outcome).toEqual({ kind: 'failed', reason: 'store down' });
    expect(attempt.stillRunning).toBeUndefined();
  });

  it('reads a batchItemFailures response only when the mode reports batch item failures', async () => {
    const response = async () => ({ batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 3 } }] });
    expect((await invoker(response, true).fn.invoke(records, 1)).outcome.kind).toBe('partial');
    expect((await invoker(response, false).fn.invoke(records, 1)).outcome.kind).toBe('success');
  });
});
