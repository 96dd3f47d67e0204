/** What the traffic generator makes: a raw-topic record and what the pipeline must make of it. */
import type { EventType } from '../../src/events/event-schemas.js';
import type { InvalidReason } from '../../src/events/invalid-reason.js';
import type { RejectingStage } from './invalid-records.js';

export type RecordKind = 'valid' | 'invalid' | 'duplicate';

/** One record for the raw topic, with what the pipeline is expected to make of it. */
export interface GeneratedRecord {
  readonly key: string | null;
  /** null is a tombstone. */
  readonly value: Buffer | null;
  readonly kind: RecordKind;
  /** Set for valid records, their duplicates, and invalid records that only enrich can reject. */
  readonly eventId?: string;
  /** The event type a valid record or duplicate carries, or the type an invalid record was made from. */
  readonly eventType?: EventType;
  /** For invalid records: the DLQ reason the pipeline must give. */
  readonly expectedReason?: InvalidReason;
  /** For invalid records: the stage that must reject it. */
  readonly expectedStage?: RejectingStage;
}
