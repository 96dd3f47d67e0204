/**
 * One owner at a time for a local resource (a PGlite folder, the `.data` twin address): a small
 * JSON file created exclusively (O_EXCL) that names the owner's pid. A file whose pid no longer
 * runs is stale and taken over. PGlite has no locking of its own, and two processes on one folder
 * corrupt it silently, so every process that opens the folder takes this first.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Owner {
  pid: number;
  /** What holds it: `tributary start`, `tributary query`... */
  command: string;
  startedAt: string;
  /** The running twin's HTTP API, once it listens. */
  url?: string;
  [extra: string]: unknown;
}

export class OwnedElsewhereError extends Error {
  constructor(
    readonly path: string,
    readonly owner: Owner,
  ) {
    super(`${path} is held by ${owner.command} (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''})`);
    this.name = 'OwnedElsewhereError';
  }
}

export interface OwnerFile {
  readonly path: string;
  /** Adds fields (the URL once known); only while held. */
  update(fields: Partial<Owner>): void;
  /** Removes the file if it is still ours. */
  release(): void;
}

export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readOwnerFile(path: string): Owner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    return typeof parsed.pid === 'number' ? (parsed as Owner) : undefined;
  } catch {
    return undefined;
  }
}

/** The live owner of path, if any. */
export function currentOwner(path: string): Owner | undefined {
  const owner = readOwnerFile(path);
  return owner && isRunning(owner.pid) ? owner : undefined;
}

/** Takes path for this process or throws OwnedElsewhereError naming the live owner. */
export function acquireOwnerFile(path: string, owner: { command: string; [extra: string]: unknown }): OwnerFile {
  mkdirSync(dirname(path), { recursive: true });
  let content: Owner = { ...owner, command: owner.command, pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readOwnerFile(path);
    if (existing && existing.pid !== process.pid && isRunning(existing.pid)) throw new OwnedElsewhereError(path, existing);
    // A file being written this instant reads as invalid: give its writer a moment before calling it stale.
    if (!existing && attempt === 0) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    if (attempt >= 3) throw new OwnedElsewhereError(path, existing ?? { pid: 0, command: 'an unknown process', startedAt: '' });
    // Stale (its process is gone): remove it and race for it again with O_EXCL.
    rmSync(path, { force: true });
  }
  const ours = () => readOwnerFile(path)?.pid === process.pid;
  return {
    path,
    update(fields) {
      if (!ours()) return;
      content = { ...content, ...fields, pid: process.pid };
      writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
    },
    release() {
      if (ours()) rmSync(path, { force: true });
    },
  };
}
