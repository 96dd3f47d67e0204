/**
 * Invokes the function for one batch as Lambda does: the MSK event, the function timeout, the
 * response read per the mode's ReportBatchItemFailures setting, and the invocation counters.
 *
 * Timeout (docs/lambda-kafka-esm.md section 3): at the timeout the invocation counts as failed,
 * "Task timed out". Lambda then ends the execution environment; a handler in this process cannot be
 * ended, so the attempt carries `stillRunning` and the batch runner starts nothing for these
 * records (retry, commit, failure destination) before that run has settled.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import type { KafkaRecord, MskEvent } from '../../src/kafka/msk-event.js';
import { type EventSourceInfo, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { payloadBytesOf } from './batch-assembler.js';
import { interpretBatchResponse } from './batch-response.js';
import type { InvocationAttempt } from './batch-runner.js';
import { errorMessage, HandlerTimeoutError } from './errors.js';
import { executionEnvironmentLogStream, type LambdaFunctionInfo, lambdaContext } from './lambda-context.js';
import type { EsmHandler, InvocationInfo } from './mapping-config.js';
import type { StatsRecorder } from './mapping-stats.js';

export interface FunctionInvokerOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly handler: EsmHandler;
  readonly timeoutMs: number;
  readonly source: EventSourceInfo;
  readonly reportBatchItemFailures: boolean;
  readonly stats: StatsRecorder;
  readonly onInvocation?: (info: InvocationInfo) => void;
  readonly warn: (message: string) => void;
}

type HandlerResult = { kind: 'returned'; response: unknown } | { kind: 'threw'; error: unknown } | { kind: 'timed-out' };

export class FunctionInvoker {
  /** Named once: the twin's function runs in one execution environment. */
  private readonly environment: LambdaFunctionInfo;

  constructor(private readonly options: FunctionInvokerOptions) {
    this.environment = {
      functionName: options.functionName,
      invokedFunctionArn: options.functionArn,
      memoryMb: options.memoryMb,
      timeoutMs: options.timeoutMs,
      logStreamName: executionEnvironmentLogStream(),
    };
  }

  /** Invokes the function once with `records` (`attempt` counts from 1); never rejects. */
  async invoke(records: readonly KafkaRecord[], attempt: number): Promise<InvocationAttempt> {
    const { stats, functionName } = this.options;
    const requestId = randomUUID();
    const event = encodeMskEvent(records, this.options.source);
    const partitions = Object.keys(event.records);
    stats.inFlight++;
    const started = performance.now();
    const { result, running } = this.callHandler(event, lambdaContext(this.environment, requestId));
    const settled = await result;
    const durationMs = performance.now() - started;
    stats.inFlight--;
    const outcome =
      settled.kind === 'returned'
        ? interpretBatchResponse(settled.response, records, this.options.reportBatchItemFailures)
        : ({
            kind: 'failed',
            reason:
              settled.kind === 'threw'
                ? errorMessage(settled.error)
                : new HandlerTimeoutError(functionName, this.options.timeoutMs).message,
          } as const);
    stats.invocations++;
    stats.invokedRecords += records.length;
    stats.recordDuration(durationMs);
    if (outcome.kind !== 'success') stats.failedInvocations++;
    let stillRunning: Promise<void> | undefined;
    if (settled.kind === 'timed-out') {
      stats.timedOut++;
      stats.overrunning++;
      stillRunning = running.finally(() => {
        stats.overrunning--;
      });
    }
    this.report({
      functionName,
      requestId,
      records: records.length,
      partitions,
      attempt,
      durationMs,
      outcome: outcome.kind === 'success' ? 'success' : outcome.kind === 'partial' ? 'partial-failure' : 'error',
      ...(outcome.kind === 'failed' ? { error: outcome.reason } : {}),
    });
    // The payload size only matters for failure envelopes; do not serialise every batch for it.
    const payloadBytes = outcome.kind === 'success' ? 0 : payloadBytesOf(records, this.options.source);
    return { outcome, requestId, payloadBytes, ...(stillRunning ? { stillRunning } : {}) };
  }

  /** The handler's result or the timeout, whichever comes first; `running` settles with the handler. */
  private callHandler(event: MskEvent, context: Context): { result: Promise<HandlerResult>; running: Promise<void> } {
    const run: Promise<HandlerResult> = Promise.resolve()
      .then(() => this.options.handler(event, context))
      .then(
        (response): HandlerResult => ({ kind: 'returned', response }),
        (error: unknown): HandlerResult => ({ kind: 'threw', error }),
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HandlerResult>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timed-out' }), this.options.timeoutMs);
    });
    const result = Promise.race([run, timeout]).finally(() => clearTimeout(timer));
    return { result, running: run.then(() => undefined) };
  }

  private report(info: InvocationInfo): void {
    if (!this.options.onInvocation) return;
    try {
      this.options.onInvocation(info);
    } catch (error) {
      this.options.warn(`onInvocation threw: ${errorMessage(error)}`);
    }
  }
}
