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

import { ARCHIVE_COLUMN_NAMES } from './archive-schema.js';
import { CorruptArchiveFileError } from './errors.js';
import { sqlLiteral } from './sql-literal.js';

export interface ArchiveFileSet {
  readonly files: readonly string[];
  /** Files left out, each with the reason. */
  readonly skipped: readonly CorruptArchiveFileError[];
}

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export class ArchiveReader {
  private readonly checked = new Map<string, CorruptArchiveFileError | null>();

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
    if (!this.exists) return { files: [], skipped: [] };
    // The folders that exist, kept when their hour overlaps the range (ranges may span centuries).
    const wanted = this.partitions(role).filter((p) => {
      const start = Date.parse(`${p.date}T${p.hour}:00:00Z`);
      return start < range.toMs && start + HOUR_MS > range.fromMs;
    });
    const candidates = wanted.flatMap((partition) => listPartitionFiles(this.dir, role, partition));
    await this.checkAll(candidates);
    const files: string[] = [];
    const skipped: CorruptArchiveFileError[] = [];
    for (const file of candidates) {
      const problem = await this.check(file);
      if (problem) skipped.push(problem);
      else files.push(file);
    }
    return { files, skipped };
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
      this.checked.set(checkKey(file), problem);
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
      for (const [file, columns] of names) {
        const missing = ARCHIVE_COLUMN_NAMES.filter((name) => !columns.has(name));
        this.checked.set(
          checkKey(file),
          missing.length > 0
            ? new CorruptArchiveFileError(file, `not an archive file of this version: no column ${missing.join(', ')}`)
            : null,
        );
      }
    } catch {
      // One of them is unreadable: check() reads each on its own and names it.
    }
  }

  private async check(file: string): Promise<CorruptArchiveFileError | null> {
    const key = checkKey(file);
    const known = this.checked.get(key);
    if (known !== undefined) return known;
    let problem: CorruptArchiveFileError | null = null;
    try {
      const reader = await this.connection.runAndReadAll(`SELECT name FROM parquet_schema(${sqlLiteral(file)})`);
      const names = new Set(reader.getRowObjects().map((row) => String(row.name)));
      const missing = ARCHIVE_COLUMN_NAMES.filter((name) => !names.has(name));
      if (missing.length > 0)
        problem = new CorruptArchiveFileError(file, `not an archive file of this version: no column ${missing.join(', ')}`);
    } catch (error) {
      problem = new CorruptArchiveFileError(file, `not a readable Parquet file (truncated or corrupt): ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.checked.set(key, problem);
    return problem;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Files are never rewritten in place; a changed size means another file under the same name. */
function checkKey(file: string): string {
  return `${file}\u0000${statSync(file).size}`;
}

/** A DuckDB list literal of file paths for read_parquet. */
export function fileListSql(files: readonly string[]): string {
  return `[${files.map(sqlLiteral).join(', ')}]`;
}
