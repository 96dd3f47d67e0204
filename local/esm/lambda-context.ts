/**
 * The context object Lambda passes a handler beside the event, as the twin and `tributary invoke`
 * give it: request id, function name, version, ARN, memory, log group and stream, remaining time.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';

export interface LambdaFunctionInfo {
  readonly functionName: string;
  readonly invokedFunctionArn: string;
  readonly memoryMb: number;
  readonly timeoutMs: number;
  /** One per execution environment, as Lambda names them: `2026/12/07/[$LATEST]<32 hex digits>`. */
  readonly logStreamName: string;
}

export function executionEnvironmentLogStream(now = new Date()): string {
  return `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

const callbackStyle = (): never => {
  throw new Error('done(), fail() and succeed() are for callback handlers; an async handler returns or throws');
};

/** The context of one invocation that starts now. */
export function lambdaContext(fn: LambdaFunctionInfo, awsRequestId: string): Context {
  const deadline = performance.now() + fn.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.invokedFunctionArn,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: fn.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
    done: callbackStyle,
    fail: callbackStyle,
    succeed: callbackStyle,
  };
}
