/**
 * What the mapping does after a failed invocation (lambda-kafka-esm.md section 3): retry with
 * exponential backoff, optionally bisecting, until the retries or the record age run out.
 */
import type { RetryPolicy } from '../../src/pipeline/definition.js';

export interface RetryBackoff {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Ceiling of the doubling delay. */
  readonly maxMs: number;
}

/** AWS documents no backoff for Kafka mappings; these keep a failing partition from spinning. */
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 500, maxMs: 30_000 };

/** AWS caps "infinite" retries (-1) at 10 when the mapping has a failure destination, which ours always has. */
export const MAX_RETRIES_WITH_FAILURE_DESTINATION = 10;

/** Retries allowed after the first attempt. */
export function effectiveMaxRetries(policy: RetryPolicy): number {
  return policy.maxRetryAttempts < 0 ? MAX_RETRIES_WITH_FAILURE_DESTINATION : policy.maxRetryAttempts;
}

/** Delay before the next attempt once a batch has failed `failedAttempts` (>= 1) times: initial * 2^(n-1), capped. */
export function backoffDelayMs(failedAttempts: number, backoff: RetryBackoff): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // Cap the exponent so the doubling never overflows to Infinity.
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(exponent, 30));
}

/**
 * Whether records that failed `failedAttempts` times go to the failure destination instead of being
 * retried. Record age is checked only after a failure (UNDOCUMENTED for Kafka; records are never
 * dropped unread): `oldestTimestamp` is the epoch-ms timestamp of the oldest record.
 */
export function retriesExhausted(policy: RetryPolicy, failedAttempts: number, oldestTimestamp: number, now: number): boolean {
  if (failedAttempts > effectiveMaxRetries(policy)) return true;
  return policy.maxRecordAgeSeconds >= 0 && now - oldestTimestamp > policy.maxRecordAgeSeconds * 1000;
}

/** Splits a failed batch in two; the first half holds the earlier records and runs first. */
export function bisect<T>(records: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(records.length / 2);
  return [records.slice(0, middle), records.slice(middle)];
}
