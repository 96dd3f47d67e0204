/**
 * Sends generated records to Kafka at a target rate: a token bucket refilled from the clock, read
 * every tick; what is due goes out as one batch, at most `maxInFlight` batches awaiting acks. When
 * acks are slow the tokens pile up and the next batch is bigger, so the rate holds without a
 * publish per record. Stops on duration, count or abort, and always waits for the batches in flight.
 */
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { GeneratorOptionsError, GeneratorPublishError } from './errors.js';
import { GeneratorLedger, type LedgerTotals } from './generator-ledger.js';
import type { GeneratedRecord, TrafficGenerator } from './storefront-traffic.js';

export interface RunGeneratorOptions {
  readonly generator: Pick<TrafficGenerator, 'next'>;
  readonly publisher: RecordPublisher;
  readonly topic: string;
  /** Records per second; Infinity sends as fast as acks come back. */
  readonly ratePerSecond: number;
  /** Stop generating after this long. */
  readonly durationMs?: number;
  /** Stop after this many records. */
  readonly maxEvents?: number;
  /** Stop generating when aborted; batches in flight are still awaited. */
  readonly signal?: AbortSignal;
  /** Most records in one publish. @default 1000 */
  readonly batchSize?: number;
  /** Publishes awaiting acknowledgement at once. @default 2 */
  readonly maxInFlight?: number;
  /** How often the bucket is read. @default 25 */
  readonly tickMs?: number;
  /** Also records every acknowledged record here (e.g. a ledger keeping event ids for an end-to-end check). */
  readonly ledger?: GeneratorLedger;
  /** Called at most every progressIntervalMs, and once at the end. */
  readonly onProgress?: (progress: GeneratorProgress) => void;
  /** @default 250 */
  readonly progressIntervalMs?: number;
}

export interface GeneratorProgress {
  sent: number;
  acknowledged: number;
  elapsedMs: number;
}

export type GeneratorStopReason = 'duration' | 'maxEvents' | 'abort' | 'error';

export interface GeneratorRunSummary extends LedgerTotals {
  /** Records handed to the publisher. */
  sent: number;
  /** Records Kafka acknowledged (equals `records`). */
  acknowledged: number;
  elapsedMs: number;
  /** acknowledged / elapsed seconds. */
  actualRatePerSecond: number;
  stoppedBy: GeneratorStopReason;
}

const DEFAULTS = { batchSize: 1000, maxInFlight: 2, tickMs: 25, progressIntervalMs: 250 } as const;

function positive(name: string, value: number, integer: boolean, allowInfinity = false): number {
  const ok = value > 0 && (allowInfinity || Number.isFinite(value)) && (!integer || Number.isInteger(value));
  if (!ok) throw new GeneratorOptionsError(`${name} must be ${integer ? 'a whole number' : 'a number'} > 0, got ${value}`);
  return value;
}

/** Kafka records carry no null value through RecordPublisher; an empty value is rejected the same way (EMPTY_VALUE). */
function toOutput(record: GeneratedRecord, topic: string): OutputRecord {
  return { topic, key: record.key, value: record.value, headers: {} };
}

/** Publishes the generator's records at ratePerSecond until duration, count or abort; resolves with the tallies. */
export async function runGenerator(options: RunGeneratorOptions): Promise<GeneratorRunSummary> {
  const rate = positive('ratePerSecond', options.ratePerSecond, false, true);
  const batchSize = positive('batchSize', options.batchSize ?? DEFAULTS.batchSize, true);
  const maxInFlight = positive('maxInFlight', options.maxInFlight ?? DEFAULTS.maxInFlight, true);
  const tickMs = positive('tickMs', options.tickMs ?? DEFAULTS.tickMs, false);
  const progressIntervalMs = options.progressIntervalMs ?? DEFAULTS.progressIntervalMs;
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  if (!(maxEvents >= 0)) throw new GeneratorOptionsError(`maxEvents must be >= 0, got ${maxEvents}`);
  const durationMs = options.durationMs ?? Number.POSITIVE_INFINITY;
  if (!(durationMs >= 0)) throw new GeneratorOptionsError(`durationMs must be >= 0, got ${durationMs}`);
  const { generator, publisher, topic, signal, onProgress } = options;
  const runLedger = new GeneratorLedger({ keepEventIds: false });
  const sharedLedger = options.ledger;

  const started = performance.now();
  // Catching up after a stall is capped at a second's worth, so a long pause is not followed by a flood.
  const burst = Math.max(batchSize, rate);
  let tokens = 0;
  let refilledAt = started;
  let sent = 0;
  let acknowledged = 0;
  let failure: unknown;
  let lastProgress = Number.NEGATIVE_INFINITY;
  const inFlight = new Set<Promise<void>>();

  const progress = (force: boolean) => {
    const now = performance.now();
    if (!onProgress || (!force && now - lastProgress < progressIntervalMs)) return;
    lastProgress = now;
    onProgress({ sent, acknowledged, elapsedMs: now - started });
  };

  const publishBatch = (records: GeneratedRecord[]) => {
    const done: Promise<void> = publisher
      .publish(records.map((r) => toOutput(r, topic)))
      .then(
        () => {
          acknowledged += records.length;
          runLedger.record(records);
          sharedLedger?.record(records);
        },
        (error: unknown) => {
          failure ??= error;
        },
      )
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  let stoppedBy: GeneratorStopReason;
  for (;;) {
    const now = performance.now();
    if (failure !== undefined) {
      stoppedBy = 'error';
      break;
    }
    if (signal?.aborted) {
      stoppedBy = 'abort';
      break;
    }
    if (sent >= maxEvents) {
      stoppedBy = 'maxEvents';
      break;
    }
    if (now - started >= durationMs) {
      stoppedBy = 'duration';
      break;
    }
    tokens = rate === Number.POSITIVE_INFINITY ? rate : Math.min(burst, tokens + ((now - refilledAt) * rate) / 1000);
    refilledAt = now;
    while (tokens >= 1 && inFlight.size < maxInFlight && sent < maxEvents) {
      const n = Math.min(Math.floor(tokens), batchSize, maxEvents - sent);
      const batch = new Array<GeneratedRecord>(n);
      for (let i = 0; i < n; i++) batch[i] = generator.next();
      tokens -= n;
      sent += n;
      publishBatch(batch);
    }
    progress(false);
    if (sent >= maxEvents) continue;
    // Sleep until the next tick or an abort; when every slot is taken, also until a batch is
    // acknowledged. Waking on every ack would send a batch per ack, as small as acks are quick
    // (the embedded Kafka serves one batch per partition per fetch, so small batches slow consumers).
    await waitForAny(tickMs, inFlight.size >= maxInFlight ? inFlight : [], signal);
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  progress(true);
  const summary: GeneratorRunSummary = {
    ...runLedger.totals(),
    sent,
    acknowledged,
    elapsedMs,
    actualRatePerSecond: elapsedMs > 0 ? (acknowledged * 1000) / elapsedMs : 0,
    stoppedBy,
  };
  if (failure !== undefined) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    throw new GeneratorPublishError(`publishing to ${topic} failed after ${acknowledged} acknowledged records: ${reason}`, summary, {
      cause: failure,
    });
  }
  return summary;
}

function waitForAny(ms: number, inFlight: Iterable<Promise<void>>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
    for (const p of inFlight) void p.then(finish);
  });
}
