/**
 * The embedded PostgreSQL server: initialised in an empty folder, logical replication on, data kept
 * across a restart, never running as root, and a server orphaned by a killed parent is taken over.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

const folder = mkdtempSync(join(tmpdir(), 'tributary-embedded-pg-'));
chmodSync(folder, 0o755);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function one<T extends object>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('starts with wal_level=logical, keeps data across a restart, and runs as a non-root user', async () => {
    const dataDir = join(folder, 'restart');
    const first = await startEmbeddedPostgres({ dataDir, fastUnsafe: true });
    try {
      expect(await one<{ wal_level: string }>(first.url(), 'SHOW wal_level')).toEqual({ wal_level: 'logical' });
      await one(first.url(), 'CREATE TABLE kept (id int PRIMARY KEY)');
      await one(first.url(), 'INSERT INTO kept VALUES (42)');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${first.pid}/status`, 'utf8'))?.[1]);
      expect(uid).not.toBe(0);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, fastUnsafe: true });
    try {
      expect(await one<{ id: number }>(second.url(), 'SELECT id FROM kept')).toEqual({ id: 42 });
    } finally {
      await second.stop();
    }
  });

  it('takes over the data folder from a server whose parent was killed with SIGKILL', async () => {
    const dataDir = join(folder, 'orphan');
    // A child Node.js process starts the server and is then killed -9, leaving the server running.
    const script = `import { startEmbeddedPostgres } from ${JSON.stringify(join(process.cwd(), 'local/postgres/embedded-postgres-server.ts'))};
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, fastUnsafe: true });
      console.log('PID ' + s.pid); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    parent.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    await waitFor('the child to start its server', () => /PID \d+/.test(output), 60_000);
    const orphanPid = Number(/PID (\d+)/.exec(output)?.[1]);
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    expect(() => process.kill(orphanPid, 0)).not.toThrow();

    const server = await startEmbeddedPostgres({ dataDir, fastUnsafe: true });
    try {
      expect(() => process.kill(orphanPid, 0)).toThrow();
      expect(await one<{ one: number }>(server.url(), 'SELECT 1 AS one')).toEqual({ one: 1 });
    } finally {
      await server.stop();
    }
  });
});
