/**
 * Reads the archive: lists the Parquet files of a time range from the partition folders, checks
 * each one (footer readable, this archive's columns) before use, and runs DuckDB over the good
 * ones. A file that cannot be read is skipped with a CorruptArchiveFileError naming it, reported
 * to the caller, never silently left out; a folder of another format version is refused whole.
 */
import { statSync } from 'node:fs';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ArchivedTopicRole } from '../../src/pipeline/archive-definition.js';
import { checkArchiveManifest, listPartitionFiles, listPartitions, type PartitionKey } from './archive-layout.js';

const HOUR_MS = 3_600_000;

import { GLUE_TABLE_COLUMNS, glueColumnName } from '../../src/pipeline/archive-glue-columns.js';
import { ARCHIVE_COLUMN_NAMES } from './archive-schema.js';
import { CorruptArchiveFileError } from './errors.js';
import { sqlLiteral } from './sql-literal.js';

export interface ArchiveFileSet {
  /** Files of the twin's shape (every column of archive-schema.ts). */
  readonly files: readonly string[];
  /**
   * Raw files written by Firehose on AWS (the Glue table's columns only: the event's fields, no
   * Kafka metadata): replay rebuilds records from them. Listed for the raw role only.
   */
  readonly firehoseFiles: readonly string[];
  /** Files left out, each with the reason. */
  readonly skipped: readonly CorruptArchiveFileError[];
}

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export class ArchiveReader {
  private readonly checked = new Map<string, FileCheck>();

  private constructor(
    readonly dir: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    /** Whether the folder holds an archive at all. */
    readonly exists: boolean,
  ) {}

  /** Opens the archive folder for reading; throws ArchiveVersionError for a folder of another version. */
  static async open(dir: string): Promise<ArchiveReader> {
    const exists = checkArchiveManifest(dir, { create: false });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // Minutes and hours are UTC, as in the store; footers are read once per process.
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run('SET parquet_metadata_cache = true');
    return new ArchiveReader(dir, instance, connection, exists);
  }

  /** Another connection to the reader's database (temporary views are per connection). */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Hour partitions of a topic that hold files, oldest first. */
  partitions(role: ArchivedTopicRole): PartitionKey[] {
    return this.exists ? listPartitions(this.dir, role) : [];
  }

  /** The readable files whose event hour overlaps [fromMs, toMs) (either may be infinite). */
  async files(role: ArchivedTopicRole, range: TimeRange): Promise<ArchiveFileSet> {
    if (!this.exists) return { files: [], firehoseFiles: [], skipped: [] };
    // The folders that exist, kept when their hour overlaps the range (ranges may span centuries).
    const wanted = this.partitions(role).filter((p) => {
      const start = Date.parse(`${p.date}T${p.hour}:00:00Z`);
      return start < range.toMs && start + HOUR_MS > range.fromMs;
    });
    const candidates = wanted.flatMap((partition) => listPartitionFiles(this.dir, role, partition));
    await this.checkAll(candidates);
    const files: string[] = [];
    const firehoseFiles: string[] = [];
    const skipped: CorruptArchiveFileError[] = [];
    for (const file of candidates) {
      const checked = await this.check(file);
      if (checked.shape === 'firehose-raw' && role === 'raw') firehoseFiles.push(file);
      else if (checked.shape === 'firehose-raw') skipped.push(new CorruptArchiveFileError(file, 'a Firehose raw file under another topic'));
      else if (checked.problem) skipped.push(checked.problem);
      else files.push(file);
    }
    return { files, firehoseFiles, skipped };
  }

  /** Reads a file whole: finds damage the footer check cannot (a corrupt page). */
  async scanWhole(file: string): Promise<CorruptArchiveFileError | null> {
    try {
      // Every column of every row, decoded: hashing them reads each page.
      await this.connection.run(`SELECT sum(hash(COLUMNS(*))) FROM read_parquet(${sqlLiteral(file)})`);
      return null;
    } catch (error) {
      // A mistake in this statement is ours, not the file's: never blame a file for it.
      if (/^(Binder|Parser|Catalog) Error/.test((error as Error).message)) throw error;
      const problem = new CorruptArchiveFileError(file, `cannot be read: ${(error as Error).message}`, { cause: error });
      this.checked.set(checkKey(file), { shape: 'twin', problem });
      return problem;
    }
  }

  /** Checks the files not yet checked in one read of their footers; when one fails, each is checked alone. */
  private async checkAll(files: readonly string[]): Promise<void> {
    const unchecked = files.filter((file) => !this.checked.has(checkKey(file)));
    if (unchecked.length < 2) return;
    try {
      const reader = await this.connection.runAndReadAll(`SELECT file_name, name FROM parquet_schema(${fileListSql(unchecked)})`);
      const names = new Map<string, Set<string>>(unchecked.map((file) => [file, new Set()]));
      for (const row of reader.getRowObjects()) names.get(String(row.file_name))?.add(String(row.name));
      for (const [file, columns] of names) this.checked.set(checkKey(file), classify(file, columns));
    } catch {
      // One of them is unreadable: check() reads each on its own and names it.
    }
  }

  private async check(file: string): Promise<FileCheck> {
    const key = checkKey(file);
    const known = this.checked.get(key);
    if (known !== undefined) return known;
    let checked: FileCheck;
    try {
      const reader = await this.connection.runAndReadAll(`SELECT name FROM parquet_schema(${sqlLiteral(file)})`);
      checked = classify(file, new Set(reader.getRowObjects().map((row) => String(row.name))));
    } catch (error) {
      checked = {
        shape: 'twin',
        problem: new CorruptArchiveFileError(file, `not a readable Parquet file (truncated or corrupt): ${(error as Error).message}`, {
          cause: error,
        }),
      };
    }
    this.checked.set(key, checked);
    return checked;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

interface FileCheck {
  readonly shape: 'twin' | 'firehose-raw';
  readonly problem: CorruptArchiveFileError | null;
}

const FIREHOSE_RAW_COLUMN_NAMES = GLUE_TABLE_COLUMNS.raw.map(glueColumnName);

/** A file of the twin's shape, a raw file written by Firehose (the raw Glue table's columns), or neither. */
function classify(file: string, columns: ReadonlySet<string>): FileCheck {
  const missing = ARCHIVE_COLUMN_NAMES.filter((name) => !columns.has(name));
  if (missing.length === 0) return { shape: 'twin', problem: null };
  if (FIREHOSE_RAW_COLUMN_NAMES.every((name) => columns.has(name))) return { shape: 'firehose-raw', problem: null };
  return {
    shape: 'twin',
    problem: new CorruptArchiveFileError(file, `not an archive file of this version: no column ${missing.join(', ')}`),
  };
}

/** Files are never rewritten in place; a changed size means another file under the same name. */
function checkKey(file: string): string {
  return `${file}\u0000${statSync(file).size}`;
}

/** A DuckDB list literal of file paths for read_parquet. */
export function fileListSql(files: readonly string[]): string {
  return `[${files.map(sqlLiteral).join(', ')}]`;
}
