/**
 * Where `replay` and `query --from/--to` read the archive: a local folder (`--archive-dir`,
 * default .data/archive), or an S3 archive (`--archive s3://bucket/prefix`) whose files of the
 * range are first downloaded into .data/archive-cache/ and read from there.
 */
import type { ArchivedTopicRole } from '../../src/pipeline/archive-definition.js';
import { DEFAULT_ARCHIVE_DIR } from '../archive/archive-layout.js';
import { ArchiveReader, type TimeRange } from '../archive/archive-reader.js';
import { ArchiveError } from '../archive/errors.js';
import { parseS3ArchiveUrl, s3ArchiveUrl, syncS3ArchiveRange } from '../archive/s3-archive.js';
import { CliUsageError } from '../cli-error.js';

export interface ArchiveSourceOptions {
  archiveDir?: string;
  /** s3://bucket/prefix */
  archive?: string;
  /** Cache root for S3 archives (tests). */
  archiveCacheDir?: string;
}

export interface OpenedArchive {
  readonly reader: ArchiveReader;
  /** The folder or S3 URL, for messages. */
  readonly where: string;
}

const MB = 1024 * 1024;
const PROGRESS_EVERY_MS = 1_000;

/** Opens the archive to read `role` over `range`; errors name the problem as a CliUsageError. */
export async function openArchiveSource(options: ArchiveSourceOptions, role: ArchivedTopicRole, range: TimeRange): Promise<OpenedArchive> {
  if (options.archive !== undefined && options.archiveDir !== undefined)
    throw new CliUsageError('give --archive (an S3 archive) or --archive-dir (a local folder), not both');
  try {
    if (options.archive === undefined) {
      const dir = options.archiveDir ?? DEFAULT_ARCHIVE_DIR;
      return { reader: await ArchiveReader.open(dir), where: dir };
    }
    const location = parseS3ArchiveUrl(options.archive);
    const err = process.stderr;
    let lastPrint = 0;
    const synced = await syncS3ArchiveRange({
      location,
      role,
      range,
      cacheDir: options.archiveCacheDir,
      onProgress: (p) => {
        const now = Date.now();
        if (p.files < p.totalFiles && now - lastPrint < PROGRESS_EVERY_MS) return;
        lastPrint = now;
        err.write(
          `downloading ${s3ArchiveUrl(location)}: files ${p.files}/${p.totalFiles}, ${(p.bytes / MB).toFixed(1)} of ${(p.totalBytes / MB).toFixed(1)} MB\n`,
        );
      },
    });
    return { reader: await ArchiveReader.open(synced.dir), where: s3ArchiveUrl(location) };
  } catch (error) {
    if (error instanceof ArchiveError) throw new CliUsageError(error.message);
    throw error;
  }
}
