/**
 * The port through which a runtime reports what the store cannot know: per-stage counts, DLQ
 * counts by reason, consumer lag. The local twin implements it from its event source mapping
 * emulator; on AWS nothing does (those figures are on the CloudWatch dashboard).
 */

export interface StageStatus {
  /** Stage name as in the pipeline definition: ingest, enrich, sink. */
  stage: string;
  /** Records delivered to the stage's function. */
  recordsIn: number;
  /** Records it passed on (produced to the next topic, or stored by the sink). */
  recordsOut: number;
  /** Records it sent to the DLQ. */
  recordsToDlq: number;
  /** Invocations that failed and were retried. */
  failedInvocations: number;
  /** Records behind on the stage's source topic, summed over partitions; null when unknown. */
  lag: number | null;
}

export interface PipelineStatus {
  /** Start of the period the counts cover (counters are cumulative since then). */
  since: Date;
  stages: StageStatus[];
  /** DLQ records by reason code. */
  dlqByReason: Record<string, number>;
}

export interface PipelineStatusSource {
  readPipelineStatus(): Promise<PipelineStatus>;
}
