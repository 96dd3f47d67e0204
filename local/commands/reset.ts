/** `tributary reset`: empties the twin's own store (its folder) and forgets a dead twin's address. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError } from '../cli-error.js';
import { localStoreFolder, lockStoreFolder, pgliteFolder } from '../twin/local-store.js';
import { readOwnerFile } from '../twin/owner-file.js';
import { runningTwin, twinAddressFile } from '../twin/twin-address.js';
import { folderBytes } from './status.js';

export async function resetCommand(options: { yes?: boolean; dataDir?: string }): Promise<void> {
  const folder = localStoreFolder({ dataDir: options.dataDir });
  if (!folder) throw new CliUsageError("DATABASE_URL is set: reset empties the twin's own store only; drop that database yourself");
  const twin = runningTwin();
  if (twin)
    throw new CliUsageError(`a local twin is running (pid ${twin.pid}${twin.url ? `, ${twin.url}` : ''}); stop it (Ctrl-C) before reset`);
  const size = `${(folderBytes(folder) / 1024 / 1024).toFixed(1)} MB`;
  if (!options.yes) {
    throw new CliUsageError(`this deletes every stored event and rollup in ${folder} (${size}); run again with --yes to do it`);
  }
  const server = runningServerPid(folder);
  if (server !== undefined)
    throw new CliUsageError(`the embedded PostgreSQL server (pid ${server}) still runs on ${folder}; stop the command using it first`);
  // Held while deleting: a twin or command starting meanwhile refuses instead of opening half a folder.
  const lockable = pgliteFolder({ dataDir: options.dataDir });
  const owner = lockable ? await lockStoreFolder(lockable, 'tributary reset') : undefined;
  try {
    if (existsSync(folder)) rmSync(folder, { recursive: true, force: true });
  } finally {
    owner?.release();
  }
  if (readOwnerFile(twinAddressFile())) rmSync(twinAddressFile(), { force: true });
  process.stdout.write(`emptied ${folder} (${size} freed); the next \`npm start\` creates it again\n`);
}

/** The pid of a PostgreSQL server running on this data folder (its postmaster.pid), if one runs. */
function runningServerPid(folder: string): number | undefined {
  const pidFile = join(folder, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
