/**
 * Writes archive rows as Parquet files with DuckDB (in-process, parquet built in). Rows are
 * appended to an in-memory staging table, then each hour partition is copied to a file under
 * <root>/.incoming/ and renamed into its partition folder: the rename is atomic, so a reader sees
 * the whole file or nothing, and a process killed mid-write leaves only an orphan in .incoming
 * (removed at the next start).
 */

import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ArchivedTopicRole } from '../../src/pipeline/archive-definition.js';
import { archiveFileName, checkArchiveManifest, INCOMING_DIR, type PartitionKey, partitionDir, partitionOf } from './archive-layout.js';
import type { ArchiveRow } from './archive-row.js';
import { ARCHIVE_COLUMNS, type ArchiveColumn } from './archive-schema.js';
import { ArchiveWriteError } from './errors.js';
import { sqlLiteral } from './sql-literal.js';

const STAGING_TYPE: Record<ArchiveColumn['type'], string> = {
  VARCHAR: 'VARCHAR',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  BLOB: 'BLOB',
  BOOLEAN: 'BOOLEAN',
  // Staged as epoch ms and as decimal text, converted in the copy.
  TIMESTAMPTZ: 'BIGINT',
  'DECIMAL(20,4)': 'VARCHAR',
};

function selectExpression(c: ArchiveColumn): string {
  // The writer's session is UTC, so the instant is kept as is (Parquet: isAdjustedToUTC).
  if (c.type === 'TIMESTAMPTZ') return `epoch_ms(${c.name})::TIMESTAMPTZ AS ${c.name}`;
  // From the number's shortest decimal text, rounded half away from zero as PostgreSQL's numeric(20,4) does.
  if (c.type === 'DECIMAL(20,4)') return `${c.name}::DECIMAL(20,4) AS ${c.name}`;
  return c.name;
}

function append(appender: DuckDBAppender, c: ArchiveColumn, row: ArchiveRow): void {
  const value = c.get(row);
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (STAGING_TYPE[c.type]) {
    case 'VARCHAR':
      // Text, or a decimal as its shortest text.
      appender.appendVarchar(String(value));
      break;
    case 'INTEGER':
      appender.appendInteger(value as number);
      break;
    case 'BIGINT':
      appender.appendBigInt(typeof value === 'bigint' ? value : BigInt(Math.trunc(value as number)));
      break;
    case 'BLOB':
      appender.appendBlob(value as Buffer);
      break;
    case 'BOOLEAN':
      appender.appendBoolean(value as boolean);
      break;
    default:
      throw new Error(`no staging type for ${c.name}`);
  }
}

export interface WrittenFile {
  readonly path: string;
  readonly partition: PartitionKey;
  readonly rows: number;
}

export class ParquetFileWriter {
  private constructor(
    private readonly root: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Opens a writer on an archive folder: checks (or creates) its manifest and clears orphaned temporary files. */
  static async open(root: string): Promise<ParquetFileWriter> {
    checkArchiveManifest(root, { create: true });
    const incoming = join(root, INCOMING_DIR);
    mkdirSync(incoming, { recursive: true });
    for (const orphan of readdirSync(incoming)) rmSync(join(incoming, orphan), { force: true });
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await connection.run(
      `CREATE TABLE staging (${ARCHIVE_COLUMNS.map((c) => `${c.name} ${STAGING_TYPE[c.type]}`).join(', ')}, part VARCHAR)`,
    );
    return new ParquetFileWriter(root, instance, connection);
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Writes the rows as one file per hour partition; resolves once every file is in place. Writes run one at a time (one staging table). */
  write(role: ArchivedTopicRole, streamName: string, rows: readonly ArchiveRow[], flushedAtMs = Date.now()): Promise<WrittenFile[]> {
    const next = this.queue.then(() => this.writeNow(role, streamName, rows, flushedAtMs));
    this.queue = next.catch(() => {});
    return next;
  }

  private async writeNow(
    role: ArchivedTopicRole,
    streamName: string,
    rows: readonly ArchiveRow[],
    flushedAtMs: number,
  ): Promise<WrittenFile[]> {
    if (rows.length === 0) return [];
    const counts = new Map<string, number>();
    try {
      const appender = await this.connection.createAppender('staging');
      try {
        for (const row of rows) {
          const partition = partitionOf(row.eventTimeMs);
          const part = `${partition.date}/${partition.hour}`;
          counts.set(part, (counts.get(part) ?? 0) + 1);
          for (const c of ARCHIVE_COLUMNS) append(appender, c, row);
          appender.appendVarchar(part);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      const written: WrittenFile[] = [];
      for (const [part, count] of counts) {
        const [date, hour] = part.split('/') as [string, string];
        const partition = { date, hour };
        const temp = join(this.root, INCOMING_DIR, `${randomUUID()}.parquet`);
        await this.connection.run(
          `COPY (SELECT ${ARCHIVE_COLUMNS.map(selectExpression).join(', ')} FROM staging WHERE part = '${part}' ORDER BY kafka_partition, kafka_offset)
             TO ${sqlLiteral(temp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        const dir = partitionDir(this.root, role, partition);
        mkdirSync(dir, { recursive: true });
        const path = join(dir, archiveFileName(streamName, flushedAtMs));
        renameSync(temp, path);
        written.push({ path, partition, rows: count });
      }
      return written;
    } catch (error) {
      throw new ArchiveWriteError(`writing ${rows.length} ${role} records to ${this.root} failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await this.connection.run('DELETE FROM staging').catch(() => {});
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
