/** `tributary reset`: empties the local store (the PGlite folder) and forgets a dead twin's address. */
import { existsSync, rmSync } from 'node:fs';
import { CliUsageError } from '../cli-error.js';
import { lockStoreFolder, pgliteFolder } from '../twin/local-store.js';
import { readOwnerFile } from '../twin/owner-file.js';
import { runningTwin, twinAddressFile } from '../twin/twin-address.js';
import { folderBytes } from './status.js';

export async function resetCommand(options: { yes?: boolean; dataDir?: string }): Promise<void> {
  const folder = pgliteFolder({ dataDir: options.dataDir });
  if (!folder) throw new CliUsageError('DATABASE_URL is set: reset empties the local PGlite store only; drop that database yourself');
  const twin = runningTwin();
  if (twin)
    throw new CliUsageError(`a local twin is running (pid ${twin.pid}${twin.url ? `, ${twin.url}` : ''}); stop it (Ctrl-C) before reset`);
  const size = `${(folderBytes(folder) / 1024 / 1024).toFixed(1)} MB`;
  if (!options.yes) {
    throw new CliUsageError(`this deletes every stored event and rollup in ${folder} (${size}); run again with --yes to do it`);
  }
  // Held while deleting: a twin or command starting meanwhile refuses instead of opening half a folder.
  const owner = await lockStoreFolder(folder, 'tributary reset');
  try {
    if (existsSync(folder)) rmSync(folder, { recursive: true, force: true });
  } finally {
    owner.release();
  }
  if (readOwnerFile(twinAddressFile())) rmSync(twinAddressFile(), { force: true });
  process.stdout.write(`emptied ${folder} (${size} freed); the next \`npm start\` creates it again\n`);
}
