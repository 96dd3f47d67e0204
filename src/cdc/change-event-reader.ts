/**
 * Reads Debezium change events off Kafka records, checking the shape the consumers rely on. A
 * record that is not a change event is bad input (the consumer sends it to the DLQ); a tombstone
 * (null value) is recognised and skipped.
 */
import { z } from 'zod';
import type { ChangeEvent } from './debezium-envelope.js';

const row = z.record(z.string(), z.unknown());

const sourceSchema = z.object({
  version: z.string(),
  connector: z.literal('postgresql'),
  name: z.string(),
  ts_ms: z.number(),
  snapshot: z.enum(['true', 'first', 'last', 'false', 'incremental']).or(z.boolean().transform((b) => (b ? 'true' : 'false'))),
  db: z.string(),
  sequence: z.string().nullable().optional().default(null),
  schema: z.string(),
  table: z.string(),
  txId: z.number().nullable().optional().default(null),
  lsn: z.number().nullable().optional().default(null),
  xmin: z.number().nullable().optional().default(null),
});

const eventSchema = z.object({
  before: row.nullable(),
  after: row.nullable(),
  source: sourceSchema,
  op: z.enum(['c', 'u', 'd', 'r']),
  ts_ms: z.number(),
  transaction: z.unknown().optional(),
});

export class ChangeEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChangeEventError';
  }
}

/** null for a tombstone; throws ChangeEventError for anything that is not a change event. */
export function readChangeEvent(value: Buffer | string | null | undefined): ChangeEvent | null {
  if (value === null || value === undefined || value.length === 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch (error) {
    throw new ChangeEventError('value is not JSON', { cause: error });
  }
  // A converter with schemas.enable=true wraps the envelope as {schema, payload}.
  if (json && typeof json === 'object' && 'payload' in json && 'schema' in json) json = (json as { payload: unknown }).payload;
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ChangeEventError(`not a Debezium change event: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const event = parsed.data;
  if (event.op === 'd' ? event.after !== null || event.before === null : event.after === null) {
    throw new ChangeEventError(`op "${event.op}" with before ${event.before ? 'set' : 'null'} and after ${event.after ? 'set' : 'null'}`);
  }
  return { ...event, transaction: null } as ChangeEvent;
}

/**
 * Where a change stands in the source's history, for "apply only when newer": the commit LSN of
 * the transaction before it (source.sequence[0]) and the change's own LSN.
 * Ordered first by the former (commit order, which orders changes of one row), then the latter.
 */
export interface ChangePosition {
  readonly commitLsn: bigint;
  readonly changeLsn: bigint;
}

export function changePosition(event: ChangeEvent): ChangePosition {
  const own = event.source.lsn === null ? 0n : BigInt(event.source.lsn);
  // A snapshot read shows the row as of the snapshot's position: older than every transaction
  // streamed after it (whose previous commit is at or after that position), newer than all before.
  if (event.op === 'r') return { commitLsn: own - 1n, changeLsn: own };
  if (event.source.sequence) {
    try {
      const [last, current] = JSON.parse(event.source.sequence) as [string | null, string | null];
      return { commitLsn: last === null ? 0n : BigInt(last), changeLsn: current === null ? own : BigInt(current) };
    } catch (error) {
      throw new ChangeEventError(`source.sequence "${event.source.sequence}" is not a JSON array of two LSNs`, { cause: error });
    }
  }
  return { commitLsn: 0n, changeLsn: own };
}
