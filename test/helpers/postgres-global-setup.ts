/**
 * vitest globalSetup: the tests' PostgreSQL. TEST_DATABASE_URL when set; otherwise one embedded
 * server (wal_level=logical) started for the whole run in a temporary folder, with a `test`
 * database, and its URL exported as TEST_DATABASE_URL to the test workers.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres-server.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const folder = mkdtempSync(join(tmpdir(), 'tributary-test-pg-'));
  // When running as root the server runs as another OS user, who must be able to enter the folder.
  chmodSync(folder, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(folder, 'data'), fastUnsafe: true });
  await server.ensureDatabase('test');
  process.env.TEST_DATABASE_URL = server.url('test');
  return async () => {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  };
}
