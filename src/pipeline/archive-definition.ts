/**
 * What the archive keeps and how it batches, read by the CDK stack (Firehose delivery streams) and
 * by the local twin (its Firehose emulation): one delivery stream per archived topic, files
 * partitioned by event date and hour, flushed by Firehose's buffering hints.
 */
import type { PipelineDefinition, TopicRole } from './definition.js';

/** Firehose's limits on buffering hints for S3 destinations with record format conversion. */
export const FIREHOSE_BUFFER_LIMITS = {
  minSizeMb: 1,
  /** With format conversion to Parquet or ORC, Firehose requires at least 64 MB. */
  minSizeMbWithFormatConversion: 64,
  maxSizeMb: 128,
  minIntervalSeconds: 0,
  maxIntervalSeconds: 900,
} as const;

/** Topics archived: the raw records as they arrived (for replay) and the enriched events (for history). */
export const ARCHIVED_TOPIC_ROLES = ['raw', 'enriched'] as const satisfies readonly TopicRole[];
export type ArchivedTopicRole = (typeof ARCHIVED_TOPIC_ROLES)[number];

export interface BufferingHints {
  /** A file is written when the buffer holds this many MB... */
  readonly sizeMb: number;
  /** ...or when its first record has waited this long, whichever comes first. */
  readonly intervalSeconds: number;
}

export interface ArchiveStreamDefinition {
  readonly role: ArchivedTopicRole;
  readonly topic: string;
  /** Firehose delivery stream name (also the prefix of the file names). */
  readonly streamName: string;
  readonly buffering: BufferingHints;
}

export interface ArchiveDefinition {
  readonly streams: readonly ArchiveStreamDefinition[];
  /** Days before archived files move to S3 Glacier Instant Retrieval. */
  readonly transitionToColdAfterDays: number;
  /** Days before archived files are deleted. */
  readonly expireAfterDays: number;
}

export const DEFAULT_BUFFERING: BufferingHints = { sizeMb: 64, intervalSeconds: 60 };

export class ArchiveDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveDefinitionError';
  }
}

/** Checks hints against Firehose's limits for a stream that converts to Parquet. */
export function checkBufferingHints(hints: BufferingHints, formatConversion: boolean): void {
  const minSize = formatConversion ? FIREHOSE_BUFFER_LIMITS.minSizeMbWithFormatConversion : FIREHOSE_BUFFER_LIMITS.minSizeMb;
  if (!Number.isInteger(hints.sizeMb) || hints.sizeMb < minSize || hints.sizeMb > FIREHOSE_BUFFER_LIMITS.maxSizeMb) {
    throw new ArchiveDefinitionError(
      `buffer size must be a whole number of MB from ${minSize} to ${FIREHOSE_BUFFER_LIMITS.maxSizeMb}${formatConversion ? ' (Parquet conversion needs at least 64)' : ''}, got ${hints.sizeMb}`,
    );
  }
  const { minIntervalSeconds: lo, maxIntervalSeconds: hi } = FIREHOSE_BUFFER_LIMITS;
  if (!Number.isInteger(hints.intervalSeconds) || hints.intervalSeconds < lo || hints.intervalSeconds > hi) {
    throw new ArchiveDefinitionError(`buffer interval must be whole seconds from ${lo} to ${hi}, got ${hints.intervalSeconds}`);
  }
}

export function defineArchive(pipeline: PipelineDefinition, buffering: BufferingHints = DEFAULT_BUFFERING): ArchiveDefinition {
  checkBufferingHints(buffering, true);
  return {
    streams: ARCHIVED_TOPIC_ROLES.map((role) => ({
      role,
      topic: pipeline.topics[role].name,
      streamName: `${pipeline.name}-archive-${role}`,
      buffering,
    })),
    transitionToColdAfterDays: 90,
    expireAfterDays: 730,
  };
}
