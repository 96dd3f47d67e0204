import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { FunctionInvoker } from '../../local/esm/function-invoker.js';
import type { InvocationInfo } from '../../local/esm/mapping-config.js';
import { StatsRecorder } from '../../local/esm/mapping-stats.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';

const records: KafkaRecord[] = [
  { topic: 't', partition: 0, offset: 3, timestamp: 0, timestampType: 'CREATE_TIME', key: null, value: Buffer.from('x'), headers: [] },
];
const source = { eventSource: 'aws:kafka' as const, bootstrapServers: 'b:9092' };

function invoker(handler: (event: never, context: Context) => Promise<unknown>, reportBatchItemFailures = true) {
  const stats = new StatsRecorder();
  const infos: InvocationInfo[] = [];
  const fn = new FunctionInvoker({
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn',
    memoryMb: 512,
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

  it("passes Lambda's context: the request id it reports, the function, its memory and the time left", async () => {
    const contexts: Context[] = [];
    const { fn, infos } = invoker(async (_event: unknown, context: Context) => {
      contexts.push(context);
      return null;
    });
    await fn.invoke(records, 1);
    await fn.invoke(records, 1);

    expect(contexts.map((c) => c.awsRequestId)).toEqual(infos.map((info) => info.requestId));
    expect(contexts[0]).toMatchObject({
      functionName: 'fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn',
      memoryLimitInMB: '512',
      logGroupName: '/aws/lambda/fn',
    });
    expect(contexts[0]?.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(contexts[1]?.logStreamName).toBe(contexts[0]?.logStreamName);
    expect(contexts[0]?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(contexts[0]?.getRemainingTimeInMillis()).toBeLessThanOrEqual(50);
  });
});
