/** The source database as a capture sees it: its connection settings, its catalog, the captured tables and their topics. */
import pg from 'pg';
import { ChangeCaptureError } from './errors.js';
import {
  checkCapturable,
  checkLogicalReplication,
  describeTable,
  ensurePublication,
  type TableInfo,
  type TableRef,
} from './source-catalog.js';

// Text output in a fixed form the encoders rely on, whatever the server's defaults.
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c extra_float_digits=3 -c bytea_output=hex';

export interface SourceConnection {
  readonly connectionString: string;
  readonly options: string;
}

export interface CapturedSource {
  readonly tables: TableInfo[];
  readonly database: string;
  /** Database system identifier + database. */
  readonly sourceId: string;
}

export function sourceConnection(sourceUrl: string): SourceConnection {
  return { connectionString: sourceUrl, options: SESSION_OPTIONS };
}

/** A pool, not a client: after the source restarts, the next query opens a new connection. */
export function openCatalog(connection: SourceConnection, warn: (message: string) => void): pg.Pool {
  const catalog = new pg.Pool({ ...connection, max: 2 });
  catalog.on('error', (error) => warn(`catalog connection: ${error.message}`));
  return catalog;
}

/** Makes each captured table's topic exist once, before its first record. */
export class CaptureTopics {
  private readonly known = new Set<string>();

  constructor(
    private readonly topicPrefix: string,
    private readonly ensureTopic: ((topic: string) => Promise<void>) | undefined,
  ) {}

  async ensure(ref: TableRef): Promise<void> {
    const topic = `${this.topicPrefix}.${ref.schema}.${ref.table}`;
    if (this.known.has(topic)) return;
    await this.ensureTopic?.(topic);
    this.known.add(topic);
  }
}

/** Checks the source, makes the publication and the topics exist; closes the catalog when it fails. */
export async function describeCapturedSource(
  catalog: pg.Pool,
  publication: string,
  tableNames: readonly string[] | undefined,
  topics: CaptureTopics,
): Promise<CapturedSource> {
  try {
    await checkLogicalReplication(catalog);
    const requested = tableNames?.map(parseTableName);
    const published = await ensurePublication(catalog, publication, requested);
    const tables = await Promise.all(published.map((t) => describeTable(catalog, t)));
    checkCapturable(tables);
    for (const t of tables) await topics.ensure(t);
    const ident = (
      await catalog.query<{ id: string; db: string }>(
        'SELECT system_identifier::text AS id, current_database() AS db FROM pg_control_system()',
      )
    ).rows[0];
    const database = ident?.db ?? 'unknown';
    return { tables, database, sourceId: `${ident?.id}/${database}` };
  } catch (error) {
    await catalog.end().catch(() => {});
    throw error;
  }
}

function parseTableName(name: string): TableRef {
  const [schema, table, extra] = name.split('.');
  if (!schema || !table || extra !== undefined) throw new ChangeCaptureError(`table "${name}" must be written schema.table`);
  return { schema, table };
}
