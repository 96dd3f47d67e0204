/** Counters of one event source mapping, named after Lambda's EventCount metrics where one exists. */

export interface DurationSummary {
  /** Invocations measured since start. */
  readonly count: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Percentiles over the most recent RECENT_DURATIONS invocations. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface EsmStats {
  /** Records fetched from the topic (PolledEventCount). */
  readonly polled: number;
  /** Records handed to the function, retries included (InvokedEventCount). */
  readonly invokedRecords: number;
  readonly invocations: number;
  /** Invocations that threw, timed out, or reported item failures. */
  readonly failedInvocations: number;
  /** Records written to the failure destination (OnFailureDestinationDeliveredEventCount). */
  readonly sentToFailureDestination: number;
  /** Records whose offsets were committed (CommittedEventCount). */
  readonly committed: number;
  /** Invocations running right now. */
  readonly inFlight: number;
  /** Partitions the consumer group gave this mapping at its last join. */
  readonly assignedPartitions: number;
  /** Invocations that ran into the function timeout. */
  readonly timedOut: number;
  /** Timed-out handlers still running (their records wait for them). */
  readonly overrunning: number;
  /** Times the Kafka consumer crashed, and was started again. */
  readonly consumerCrashes: number;
  readonly consumerRestarts: number;
  /** Set when the mapping gave up restarting its consumer: nothing more is read. */
  readonly consumerFailure?: string;
  readonly durations: DurationSummary;
}

export const RECENT_DURATIONS = 1024;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Mutable counters behind EsmStats; durations keep a running total plus a ring of recent values. */
export class StatsRecorder {
  invokedRecords = 0;
  invocations = 0;
  failedInvocations = 0;
  sentToFailureDestination = 0;
  inFlight = 0;
  assignedPartitions = 0;
  timedOut = 0;
  overrunning = 0;
  private measured = 0;
  private totalMs = 0;
  private maxMs = 0;
  private readonly recent: number[] = [];
  private next = 0;

  recordDuration(ms: number): void {
    this.measured++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.recent.length < RECENT_DURATIONS) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % RECENT_DURATIONS;
  }

  /** `live` carries what other parts of the mapping count (fetching, committing, the consumer's health). */
  snapshot(live: Pick<EsmStats, 'polled' | 'committed' | 'consumerCrashes' | 'consumerRestarts' | 'consumerFailure'>): EsmStats {
    const sorted = [...this.recent].sort((a, b) => a - b);
    return {
      ...live,
      invokedRecords: this.invokedRecords,
      invocations: this.invocations,
      failedInvocations: this.failedInvocations,
      sentToFailureDestination: this.sentToFailureDestination,
      inFlight: this.inFlight,
      assignedPartitions: this.assignedPartitions,
      timedOut: this.timedOut,
      overrunning: this.overrunning,
      durations: {
        count: this.measured,
        meanMs: this.measured === 0 ? 0 : this.totalMs / this.measured,
        maxMs: this.maxMs,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
      },
    };
  }
}
