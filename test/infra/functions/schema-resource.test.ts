/**
 * The schema custom resource against a real PostgreSQL server (TEST_DATABASE_URL): migrations from
 * the same files the twin uses, IAM database users with the right privileges, idempotent on
 * redeploy, failing loudly on a bad migration. rds_iam, which Aurora provides, is created here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUserError } from '../../../functions/migrate/database-users.js';
import { handleSchemaEvent, type SchemaTarget } from '../../../functions/migrate/schema-resource.js';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from '../../../src/store/migrate.js';
import { createPostgresClient } from '../../../src/store/postgres-client.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import { customResourceEvents } from '../../helpers/custom-resource-events.js';
import { TEST_DATABASE_URL } from '../../helpers/stores.js';

const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const DATABASE = `tributary_schema_${suffix}`;
const APP = `t_app_${suffix}`;
const QUERY = `t_query_${suffix}`;
const USERS = JSON.stringify([
  { name: APP, access: 'read-write' },
  { name: QUERY, access: 'read-only' },
]);
const databaseUrl = (name: string) => {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
};
const target: SchemaTarget = {
  migrationsDir: DEFAULT_MIGRATIONS_DIR,
  database: DATABASE,
  physicalResourceId: `schema@localhost/${DATABASE}`,
};
const logger = { info: () => {} };

async function onServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
const open = async (): Promise<SqlClient> => createPostgresClient({ connectionString: databaseUrl(DATABASE), maxConnections: 1 });

const event = customResourceEvents({
  logicalResourceId: 'Schema',
  resourceType: 'Custom::TributarySchema',
  physicalResourceId: target.physicalResourceId,
});

beforeAll(async () => {
  await onServer(TEST_DATABASE_URL, async (c) => {
    await c.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN CREATE ROLE rds_iam NOLOGIN; END IF; END $$`,
    );
    await c.query(`CREATE DATABASE ${DATABASE}`);
  });
});

afterAll(async () => {
  await onServer(databaseUrl(DATABASE), async (c) => {
    for (const role of [APP, QUERY])
      await c.query(
        `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN EXECUTE 'DROP OWNED BY ${role}'; END IF; END $$`,
      );
  });
  await onServer(TEST_DATABASE_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    for (const role of [APP, QUERY]) await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

describe('schema custom resource', () => {
  it('applies every migration, creates the IAM users with their privileges, and seeds reference data', async () => {
    const response = await handleSchemaEvent(event('Create', { Users: USERS, SeedReferenceData: 'true' }), target, open, logger);
    const versions = loadMigrations().map((m) => m.version);
    expect(response).toEqual({
      PhysicalResourceId: target.physicalResourceId,
      Data: { Applied: versions.join(','), Users: `${APP},${QUERY}` },
    });

    const facts = await onServer(databaseUrl(DATABASE), async (c) => {
      const q = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows[0] as Record<string, unknown>;
      return {
        applied: (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version),
        roles: (await c.query('SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname', [[APP, QUERY]])).rows,
        iam: await q(`SELECT pg_has_role($1, 'rds_iam', 'MEMBER') AS app, pg_has_role($2, 'rds_iam', 'MEMBER') AS query`, [APP, QUERY]),
        app: await q(
          `SELECT has_table_privilege($1, 'events', 'INSERT') AS insert, has_table_privilege($1, 'products', 'SELECT') AS select,
                             has_table_privilege($1, 'schema_migrations', 'INSERT') AS migrations`,
          [APP],
        ),
        query: await q(
          `SELECT has_table_privilege($1, 'events', 'SELECT') AS select, has_table_privilege($1, 'events', 'INSERT') AS insert`,
          [QUERY],
        ),
        products: Number((await q('SELECT count(*) AS n FROM products')).n),
      };
    });
    expect(facts.applied).toEqual(versions);
    expect(facts.roles).toEqual(
      [
        { rolname: APP, rolcanlogin: true },
        { rolname: QUERY, rolcanlogin: true },
      ].sort((a, b) => a.rolname.localeCompare(b.rolname)),
    );
    expect(facts.iam).toEqual({ app: true, query: true });
    expect(facts.app).toEqual({ insert: true, select: true, migrations: false });
    expect(facts.query).toEqual({ select: true, insert: false });
    expect(facts.products).toBeGreaterThan(0);
  });

  it('changes nothing when deployed again', async () => {
    const response = await handleSchemaEvent(event('Update', { Users: USERS, SeedReferenceData: 'true' }), target, open, logger);
    expect(response.Data).toEqual({ Applied: '', Users: `${APP},${QUERY}` });
    expect(response.PhysicalResourceId).toBe(target.physicalResourceId);
  });

  it('leaves the database alone on delete, without connecting', async () => {
    let opened = false;
    const response = await handleSchemaEvent(
      event('Delete', { Users: USERS }),
      target,
      async () => {
        opened = true;
        return open();
      },
      logger,
    );
    expect(response.PhysicalResourceId).toBe(target.physicalResourceId);
    expect(opened).toBe(false);
  });

  it('fails the deployment on a migration that does not run, leaving the history as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-migrations-'));
    try {
      for (const m of loadMigrations()) writeFileSync(join(dir, `${String(m.version).padStart(4, '0')}_${m.name}.sql`), m.sql);
      const next = loadMigrations().length + 1;
      writeFileSync(join(dir, `${String(next).padStart(4, '0')}_broken.sql`), 'ALTER TABLE no_such_table ADD COLUMN x int;');
      await expect(handleSchemaEvent(event('Update', { Users: USERS }), { ...target, migrationsDir: dir }, open, logger)).rejects.toThrow(
        /no_such_table/,
      );
      const applied = await onServer(
        databaseUrl(DATABASE),
        async (c) => (await c.query('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v,
      );
      expect(applied).toBe(next - 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects user names that are not plain identifiers', async () => {
    const users = JSON.stringify([{ name: 'app"; DROP TABLE events; --', access: 'read-write' }]);
    await expect(handleSchemaEvent(event('Update', { Users: users }), target, open, logger)).rejects.toThrow(DatabaseUserError);
  });
});
