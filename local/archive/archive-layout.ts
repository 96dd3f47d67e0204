/**
 * Where archived files live, the same on S3 and in `.data/archive/`:
 *   <root>/<topic role>/event_date=YYYY-MM-DD/event_hour=HH/<stream>-<version>-<YYYY-MM-DD-HH-MM-SS>-<uuid>.parquet
 * Hive-style folders (Firehose dynamic partitioning prefix `event_date=!{partitionKeyFromQuery:event_date}/...`)
 * so Athena, Glue and DuckDB read the partition from the path; the file name follows Firehose's.
 * Files are written under <root>/.incoming/ and renamed into place: a reader never sees half a file.
 * A manifest at the root names the format version; readers and writers refuse any other.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchivedTopicRole } from '../../src/pipeline/archive-definition.js';
import { ArchiveVersionError } from './errors.js';

export const ARCHIVE_FORMAT = 'tributary-archive';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'archive.json';
export const INCOMING_DIR = '.incoming';
export const DEFAULT_ARCHIVE_DIR = join('.data', 'archive');

export interface PartitionKey {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  /** 00..23 (UTC). */
  readonly hour: string;
}

export function partitionOf(eventTimeMs: number): PartitionKey {
  const iso = new Date(eventTimeMs).toISOString();
  return { date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

export function partitionDir(root: string, role: ArchivedTopicRole, partition: PartitionKey): string {
  return join(root, role, `event_date=${partition.date}`, `event_hour=${partition.hour}`);
}

/** A Firehose-style file name: stream, version, the flush time to the second, a unique id. */
export function archiveFileName(streamName: string, flushedAtMs: number): string {
  const stamp = new Date(flushedAtMs).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `${streamName}-${ARCHIVE_FORMAT_VERSION}-${stamp}-${randomUUID()}.parquet`;
}

/** Every partition folder of a topic role, oldest first. */
export function listPartitions(root: string, role: ArchivedTopicRole): PartitionKey[] {
  const base = join(root, role);
  if (!existsSync(base)) return [];
  const out: PartitionKey[] = [];
  for (const dateDir of readdirSync(base).sort()) {
    const date = /^event_date=(\d{4}-\d{2}-\d{2})$/.exec(dateDir)?.[1];
    if (!date) continue;
    for (const hourDir of readdirSync(join(base, dateDir)).sort()) {
      const hour = /^event_hour=(\d{2})$/.exec(hourDir)?.[1];
      if (hour) out.push({ date, hour });
    }
  }
  return out;
}

/** The .parquet files of one partition folder (temporary files are never there). */
export function listPartitionFiles(root: string, role: ArchivedTopicRole, partition: PartitionKey): string[] {
  const dir = partitionDir(root, role, partition);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.parquet'))
    .sort()
    .map((name) => join(dir, name));
}

interface Manifest {
  format: string;
  version: number;
}

/**
 * Checks the folder's manifest. `create` writes one into a new or empty folder (the writer);
 * otherwise a folder without a manifest reads as empty if it holds nothing, and is refused if it
 * holds data (the reader). Returns whether the folder is an archive.
 */
export function checkArchiveManifest(root: string, options: { create: boolean }): boolean {
  const path = join(root, MANIFEST_FILE);
  if (!existsSync(path)) {
    const entries = existsSync(root) ? readdirSync(root).filter((name) => name !== INCOMING_DIR) : [];
    if (entries.length > 0) {
      throw new ArchiveVersionError(root, `holds ${entries.join(', ')} but no ${MANIFEST_FILE}: not written by this version of Tributary`);
    }
    if (!options.create) return false;
    mkdirSync(root, { recursive: true });
    const manifest: Manifest = { format: ARCHIVE_FORMAT, version: ARCHIVE_FORMAT_VERSION };
    writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
    return true;
  }
  checkManifestText(root, readFileSync(path, 'utf8'));
  return true;
}

/** Checks a manifest's text (read from `where`: a folder, or an S3 archive's URL). */
export function checkManifestText(where: string, text: string): void {
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(text) as Partial<Manifest>;
  } catch (error) {
    throw new ArchiveVersionError(where, `${MANIFEST_FILE} is not JSON (${(error as Error).message})`);
  }
  if (manifest.format !== ARCHIVE_FORMAT || manifest.version !== ARCHIVE_FORMAT_VERSION) {
    throw new ArchiveVersionError(
      where,
      `written as ${String(manifest.format)} version ${String(manifest.version)}; this version of Tributary reads and writes ${ARCHIVE_FORMAT} version ${ARCHIVE_FORMAT_VERSION} only (use another folder, or the version that wrote it)`,
    );
  }
}
