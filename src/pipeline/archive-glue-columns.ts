/**
 * The columns of the AWS archive's Glue tables: the JSON fields of each archived topic's values,
 * which Firehose's record format conversion (OpenX JSON SerDe in, Parquet out) writes as Parquet
 * columns. Glue names are the lowercased JSON names (the OpenX SerDe matches keys
 * case-insensitively); a field not listed here is not in the AWS files. Read by the stack (the
 * tables) and by replay from S3 (rebuilding a record's JSON from a Firehose file's row).
 */
import type { ArchivedTopicRole } from './archive-definition.js';

export interface GlueColumn {
  /** The field's name in the event JSON. */
  readonly field: string;
  /** Glue/Hive type. */
  readonly type: string;
}

/** The column's name in Glue and in Firehose's Parquet files. */
export const glueColumnName = (column: GlueColumn): string => column.field.toLowerCase();

const ENRICHMENT =
  'struct<productname:string,category:string,valueusd:double,revenueusd:double,country:string,deviceclass:string,browser:string,os:string,isbot:boolean>';

const columns = (pairs: [string, string][]): GlueColumn[] => pairs.map(([field, type]) => ({ field, type }));

export const GLUE_TABLE_COLUMNS: Record<ArchivedTopicRole, readonly GlueColumn[]> = {
  raw: columns([
    ['eventId', 'string'],
    ['type', 'string'],
    ['schemaVersion', 'int'],
    ['source', 'string'],
    // As sent: ISO 8601 with a zone, or epoch milliseconds (then its digits as text).
    ['occurredAt', 'string'],
    ['userId', 'string'],
    ['deviceId', 'string'],
    ['sessionId', 'string'],
    ['ip', 'string'],
    ['userAgent', 'string'],
    ['url', 'string'],
    ['referrer', 'string'],
    ['sku', 'string'],
    ['orderId', 'string'],
    ['quantity', 'int'],
    ['itemCount', 'int'],
    ['price', 'double'],
    ['cartValue', 'double'],
    ['currency', 'string'],
    ['query', 'string'],
    ['resultsCount', 'int'],
  ]),
  enriched: columns([
    ['eventId', 'string'],
    ['type', 'string'],
    ['schemaVersion', 'int'],
    ['source', 'string'],
    // ISO 8601 UTC after ingest; from_iso8601_timestamp() in Athena.
    ['occurredAt', 'string'],
    ['receivedAt', 'string'],
    ['userId', 'string'],
    ['deviceId', 'string'],
    ['sessionId', 'string'],
    ['sku', 'string'],
    ['orderId', 'string'],
    ['quantity', 'int'],
    ['itemCount', 'int'],
    ['price', 'double'],
    ['cartValue', 'double'],
    ['currency', 'string'],
    ['enrichment', ENRICHMENT],
  ]),
};
