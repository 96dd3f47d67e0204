/**
 * Remembers, beside the capture, that the initial snapshot of a slot was published completely. A
 * slot without the marker belongs to a snapshot that a crash cut short: the capture drops it and
 * snapshots again (the consumers apply by LSN, so the repeated reads change nothing).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SnapshotMarker {
  readonly slot: string;
  /** Database system identifier + database: a marker of another server never counts. */
  readonly source: string;
  readonly consistentPoint: string;
  readonly completedAt: string;
}

const fileFor = (dir: string, slot: string) => join(dir, `${slot}.snapshot.json`);

export function readSnapshotMarker(dir: string, slot: string, source: string): SnapshotMarker | undefined {
  const file = fileFor(dir, slot);
  if (!existsSync(file)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as SnapshotMarker;
    return marker.slot === slot && marker.source === source ? marker : undefined;
  } catch {
    return undefined;
  }
}

export function writeSnapshotMarker(dir: string, marker: SnapshotMarker): void {
  mkdirSync(dir, { recursive: true });
  const file = fileFor(dir, marker.slot);
  writeFileSync(`${file}.tmp`, JSON.stringify(marker));
  renameSync(`${file}.tmp`, file);
}

export function removeSnapshotMarker(dir: string, slot: string): void {
  rmSync(fileFor(dir, slot), { force: true });
}
