/**
 * One embedded PostgreSQL server per data folder, shared: within a process the analytics store and
 * the shop source use the same server (reference-counted); another process (a CLI command while
 * the twin runs) attaches to the server the twin started instead of starting its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { type EmbeddedPostgres, SUPERUSER, startEmbeddedPostgres } from './embedded-postgres-server.js';

export interface SharedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  readonly port: number;
  readonly dataDir: string;
  /** Set when this process started the server. */
  readonly server?: EmbeddedPostgres;
  ensureDatabase(name: string): Promise<void>;
  /** Stops the server when this process started it and nothing else here uses it. */
  release(): Promise<void>;
}

interface Entry {
  server: Promise<EmbeddedPostgres>;
  refs: number;
}

const entries = new Map<string, Entry>();

/** Port of a live server on the folder, from its postmaster.pid (line 4), if one runs. */
function runningServerPort(dataDir: string): number | undefined {
  const file = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (error) {
    // Two openers creating the same database: the other one won.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

export async function acquireEmbeddedPostgres(dataDir: string): Promise<SharedPostgres> {
  const folder = resolve(dataDir);
  const own = entries.get(folder);
  if (!own) {
    const port = runningServerPort(folder);
    const base = (p: number) => (database: string) => `postgres://${SUPERUSER}@127.0.0.1:${p}/${database}`;
    if (port !== undefined && (await accepts(base(port)(SUPERUSER)))) {
      // Another process's server (the running twin): use it, leave it running.
      const url = base(port);
      return { url, port, dataDir: folder, ensureDatabase: (name) => ensureDatabase(url(SUPERUSER), name), release: async () => {} };
    }
  }
  const entry: Entry = own ?? { server: startEmbeddedPostgres({ dataDir: folder }), refs: 0 };
  if (!own) entries.set(folder, entry);
  entry.refs++;
  let server: EmbeddedPostgres;
  try {
    server = await entry.server;
  } catch (error) {
    entries.delete(folder);
    throw error;
  }
  let released = false;
  return {
    url: (database) => server.url(database),
    port: server.port,
    dataDir: folder,
    server,
    ensureDatabase: (name) => ensureDatabase(server.url(), name),
    async release() {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs === 0) {
        entries.delete(folder);
        await server.stop();
      }
    },
  };
}
