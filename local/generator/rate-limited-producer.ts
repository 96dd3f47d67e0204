/**
 * Sends generated records to Kafka at a target rate: a token bucket refilled from the clock, read
 * every tick; what is due goes out as one batch, at most `maxInFlight` batches awaiting acks. When
 * acks are slow the tokens pile up and the next batch is bigger, so the rate holds without a
 * publish per record. Stops on duration, count or abort, and always waits for the batches in flight.
 */
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { GeneratorOptionsError, GeneratorPublishError } from './errors.js';
import type { GeneratedRecord } from './generated-record.js';
import { GeneratorLedger } from './generator-ledger.js';
import type { GeneratorProgress, GeneratorRunSummary, GeneratorStopReason } from './generator-run.js';
import type { TrafficGenerator } from './storefront-traffic.js';

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
  const limits = validatedLimits(options);
  const { rate, batchSize, maxInFlight, maxEvents } = limits;
  const { generator, signal } = options;
  const run = new PublishingRun(options, limits.progressIntervalMs);
  // Catching up after a stall is capped at a second's worth, so a long pause is not followed by a flood.
  const burst = Math.max(batchSize, rate);
  let tokens = 0;
  let refilledAt = run.started;
  let stoppedBy: GeneratorStopReason;
  for (;;) {
    const now = performance.now();
    const reason = stopReason(run, limits, signal, now);
    if (reason) {
      stoppedBy = reason;
      break;
    }
    tokens = rate === Number.POSITIVE_INFINITY ? rate : Math.min(burst, tokens + ((now - refilledAt) * rate) / 1000);
    refilledAt = now;
    while (tokens >= 1 && run.inFlight.size < maxInFlight && run.sent < maxEvents) {
      const n = Math.min(Math.floor(tokens), batchSize, maxEvents - run.sent);
      const batch = new Array<GeneratedRecord>(n);
      for (let i = 0; i < n; i++) batch[i] = generator.next();
      tokens -= n;
      run.publishBatch(batch);
    }
    run.progress(false);
    if (run.sent >= maxEvents) continue;
    // Sleep until the next tick or an abort; when every slot is taken, also until a batch is
    // acknowledged. Waking on every ack would send a batch per ack, as small as acks are quick
    // (the embedded Kafka serves one batch per partition per fetch, so small batches slow consumers).
    await waitForAny(limits.tickMs, run.inFlight.size >= maxInFlight ? run.inFlight : [], signal);
  }
  return run.finish(stoppedBy);
}

interface RunLimits {
  readonly rate: number;
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly tickMs: number;
  readonly progressIntervalMs: number;
  readonly maxEvents: number;
  readonly durationMs: number;
}

function validatedLimits(options: RunGeneratorOptions): RunLimits {
  const rate = positive('ratePerSecond', options.ratePerSecond, false, true);
  const batchSize = positive('batchSize', options.batchSize ?? DEFAULTS.batchSize, true);
  const maxInFlight = positive('maxInFlight', options.maxInFlight ?? DEFAULTS.maxInFlight, true);
  const tickMs = positive('tickMs', options.tickMs ?? DEFAULTS.tickMs, false);
  const progressIntervalMs = options.progressIntervalMs ?? DEFAULTS.progressIntervalMs;
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  if (!(maxEvents >= 0)) throw new GeneratorOptionsError(`maxEvents must be >= 0, got ${maxEvents}`);
  const durationMs = options.durationMs ?? Number.POSITIVE_INFINITY;
  if (!(durationMs >= 0)) throw new GeneratorOptionsError(`durationMs must be >= 0, got ${durationMs}`);
  return { rate, batchSize, maxInFlight, tickMs, progressIntervalMs, maxEvents, durationMs };
}

function stopReason(run: PublishingRun, limits: RunLimits, signal: AbortSignal | undefined, now: number): GeneratorStopReason | undefined {
  if (run.failure !== undefined) return 'error';
  if (signal?.aborted) return 'abort';
  if (run.sent >= limits.maxEvents) return 'maxEvents';
  if (now - run.started >= limits.durationMs) return 'duration';
  return undefined;
}

/** The batches of one run: sent, in flight, acknowledged, the first failure, and the progress reports. */
class PublishingRun {
  private readonly runLedger = new GeneratorLedger({ keepEventIds: false });
  sent = 0;
  acknowledged = 0;
  failure: unknown;
  readonly inFlight = new Set<Promise<void>>();
  private lastProgress = Number.NEGATIVE_INFINITY;
  /** Taken last, so the first tick's tokens count from the very start of the loop. */
  readonly started = performance.now();

  constructor(
    private readonly options: RunGeneratorOptions,
    private readonly progressIntervalMs: number,
  ) {}

  publishBatch(records: GeneratedRecord[]): void {
    this.sent += records.length;
    const done: Promise<void> = this.options.publisher
      .publish(records.map((r) => toOutput(r, this.options.topic)))
      .then(
        () => {
          this.acknowledged += records.length;
          this.runLedger.record(records);
          this.options.ledger?.record(records);
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      )
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  progress(force: boolean): void {
    const { onProgress } = this.options;
    const now = performance.now();
    if (!onProgress || (!force && now - this.lastProgress < this.progressIntervalMs)) return;
    this.lastProgress = now;
    onProgress({ sent: this.sent, acknowledged: this.acknowledged, elapsedMs: now - this.started });
  }

  /** Waits for the batches in flight; throws GeneratorPublishError when one failed. */
  async finish(stoppedBy: GeneratorStopReason): Promise<GeneratorRunSummary> {
    await Promise.all(this.inFlight);
    const elapsedMs = performance.now() - this.started;
    this.progress(true);
    const { acknowledged, failure } = this;
    const summary: GeneratorRunSummary = {
      ...this.runLedger.totals(),
      sent: this.sent,
      acknowledged,
      elapsedMs,
      actualRatePerSecond: elapsedMs > 0 ? (acknowledged * 1000) / elapsedMs : 0,
      stoppedBy,
    };
    if (failure !== undefined) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      throw new GeneratorPublishError(
        `publishing to ${this.options.topic} failed after ${acknowledged} acknowledged records: ${reason}`,
        summary,
        {
          cause: failure,
        },
      );
    }
    return summary;
  }
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
