/** Errors of the archive: one base class, narrow subclasses naming the folder or file at fault. */

export class ArchiveError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveError';
  }
}

/** The archive folder was written by another version of the format (or by something else). */
export class ArchiveVersionError extends ArchiveError {
  readonly dir: string;
  constructor(dir: string, problem: string) {
    super(`archive folder ${dir}: ${problem}`);
    this.name = 'ArchiveVersionError';
    this.dir = dir;
  }
}

/** A Parquet file of the archive cannot be read (truncated, corrupt, or not of this archive's schema). */
export class CorruptArchiveFileError extends ArchiveError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`archive file ${file} skipped: ${problem}`, options);
    this.name = 'CorruptArchiveFileError';
    this.file = file;
  }
}

/** Writing a file of the archive failed; its records stay uncommitted and are delivered again. */
export class ArchiveWriteError extends ArchiveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveWriteError';
  }
}
