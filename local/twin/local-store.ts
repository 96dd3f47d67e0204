/**
 * Where the twin's store is and who may open it. A PGlite folder has one owner at a time (its
 * `<folder>.owner.json`): the running twin, or one CLI command while no twin runs. PostgreSQL
 * (the embedded server, the default, or DATABASE_URL) needs no such lock: the server serialises its
 * clients.
 */
import { resolve } from 'node:path';
import { optionalEnv } from '../../src/config/env.js';
import { CliUsageError } from '../cli-error.js';
import { storeDataDir, storeEngine } from '../commands/prepared-store.js';
import { DEFAULT_DATA_DIR, type StoreLocation } from '../store/open-store.js';
import { acquireOwnerFile, currentOwner, OwnedElsewhereError, type Owner, type OwnerFile } from './owner-file.js';

/** The PGlite folder this location opens, or undefined when it is a PostgreSQL server. */
export function pgliteFolder(location: StoreLocation = {}, env = process.env): string | undefined {
  if (location.databaseUrl ?? optionalEnv('DATABASE_URL', env)) return undefined;
  // The embedded PostgreSQL server takes any number of clients: only a PGlite folder needs an owner.
  if (storeEngine(env) !== 'pglite') return undefined;
  return resolve(location.dataDir ?? optionalEnv('TRIBUTARY_DATA_DIR', env) ?? DEFAULT_DATA_DIR);
}

/** The folder of the twin's own store (the embedded server's or PGlite's); undefined for DATABASE_URL. */
export function localStoreFolder(location: StoreLocation = {}, env = process.env): string | undefined {
  if (location.databaseUrl ?? optionalEnv('DATABASE_URL', env)) return undefined;
  return resolve(storeDataDir(location, env));
}

/** Names one store, so a CLI can tell whether the running twin serves the store it was asked about. */
export function storeKey(location: StoreLocation = {}, env = process.env): string {
  const folder = pgliteFolder(location, env);
  if (folder) return `pglite:${folder}`;
  if (!(location.databaseUrl ?? optionalEnv('DATABASE_URL', env))) return `embedded:${resolve(storeDataDir(location, env))}`;
  const url = location.databaseUrl ?? optionalEnv('DATABASE_URL', env) ?? '';
  return `postgres:${url.replace(/\/\/[^@/]*@/, '//')}`;
}

export function storeOwnerFile(folder: string): string {
  return `${folder}.owner.json`;
}

export class StoreBusyError extends CliUsageError {
  constructor(
    readonly folder: string,
    readonly owner: Owner,
  ) {
    super(
      owner.twin === true
        ? `${folder} is in use by the local twin (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ', starting'}); one process owns a PGlite folder at a time`
        : `${folder} is in use by \`${owner.command}\` (pid ${owner.pid}); one process owns a PGlite folder at a time, retry when it is done`,
    );
    this.name = 'StoreBusyError';
  }
}

/** The live owner of the folder, if any. */
export function storeOwner(folder: string): Owner | undefined {
  return currentOwner(storeOwnerFile(folder));
}

/**
 * Takes the folder for this process. A CLI owner that finishes soon is waited for (up to waitMs);
 * a twin, or a CLI still busy after waitMs, gives StoreBusyError.
 */
export async function lockStoreFolder(folder: string, command: string, waitMs = 0, twin = false): Promise<OwnerFile> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return acquireOwnerFile(storeOwnerFile(folder), { command, twin });
    } catch (error) {
      if (!(error instanceof OwnedElsewhereError)) throw error;
      if (error.owner.twin === true || Date.now() >= deadline) throw new StoreBusyError(folder, error.owner);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
