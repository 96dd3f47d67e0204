/**
 * When a failed batch is retried and when it is given up (docs/lambda-kafka-esm.md section 3):
 * exponential backoff between attempts, and the retry and record-age limits of the mode's
 * ErrorHandling.
 */
import { type ErrorHandling, UNLIMITED_RETRIES } from './poller-mode.js';

export interface RetryBackoff {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Ceiling of the doubling delay. */
  readonly maxMs: number;
}

/** UNDOCUMENTED: AWS names no backoff for Kafka mappings; these keep a failing partition from spinning. */
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 500, maxMs: 30_000 };

/** Delay before the next attempt once a batch has failed `failedAttempts` (>= 1) times: initial * 2^(n-1), capped. */
export function backoffDelayMs(failedAttempts: number, backoff: RetryBackoff): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // Cap the exponent so the doubling never overflows to Infinity.
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(exponent, 30));
}

/**
 * Whether records that failed `failedAttempts` times go to the failure destination instead of being
 * retried (never by count with UNLIMITED_RETRIES). Record age is checked only after a failure (UNDOCUMENTED for Kafka; records are never
 * dropped unread): `oldestTimestamp` is the epoch-ms timestamp of the oldest record.
 */
export function retriesExhausted(rules: ErrorHandling, failedAttempts: number, oldestTimestamp: number, now: number): boolean {
  if (rules.maxRetries !== UNLIMITED_RETRIES && failedAttempts > rules.maxRetries) return true;
  return rules.maxRecordAgeSeconds >= 0 && now - oldestTimestamp > rules.maxRecordAgeSeconds * 1000;
}

/** Splits a failed batch in two; the first half holds the earlier records and runs first. */
export function bisect<T>(records: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(records.length / 2);
  return [records.slice(0, middle), records.slice(middle)];
}
