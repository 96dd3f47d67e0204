/**
 * The replication user's SQL against a real PostgreSQL server (wal_level=logical): run twice on a
 * migrated shop database, the user logs in, reads every captured table, has replication (the RDS
 * role, or the attribute on plain PostgreSQL), and opens a pgoutput slot on the publication that
 * streams a committed change.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureReplicationUser, type ReplicationUser } from '../../functions/shop-replication-user/replication-user.js';
import { seedShop } from '../../local/cdc/seed-shop.js';
import { CAPTURED_SHOP_TABLES } from '../../src/pipeline/definition.js';
import { migrateShop } from '../../src/shop/shop-database.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { type SourceDatabase, sourceDatabase } from '../helpers/cdc-source.js';
import { onTestServer } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';

const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const PUBLICATION = `shop_cdc_publication_${suffix}`;

/** A client logged in as `user` with `password` on the source database. */
async function loginAs<T>(source: SourceDatabase, user: string, password: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(source.url);
  url.username = user;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('the shop replication user on PostgreSQL', () => {
  let source: SourceDatabase;
  let master: SqlClient;
  const roles: string[] = [];
  const spec = (user: string, password: string, replication: ReplicationUser['replication']): ReplicationUser => {
    roles.push(user);
    return { database: source.name, schema: 'public', user, password, tables: CAPTURED_SHOP_TABLES, publication: PUBLICATION, replication };
  };

  beforeAll(async () => {
    source = await sourceDatabase();
    master = createPostgresClient({ connectionString: source.url, maxConnections: 1 });
    await migrateShop(master);
    await seedShop(master);
    // RDS and Aurora have this role; a stand-in on the test server (created once, concurrent runs tolerated).
    await onTestServer((c) =>
      c.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication') THEN CREATE ROLE rds_replication WITH REPLICATION NOLOGIN; END IF;
      EXCEPTION WHEN duplicate_object THEN NULL; END $$`),
    );
  });

  afterAll(async () => {
    await master?.close();
    await source?.dispose();
    // The database (with the grants and default privileges) is gone: the roles can be dropped.
    await onTestServer(async (c) => {
      for (const role of new Set(roles)) await c.query(`DROP ROLE IF EXISTS "${role}"`);
    });
  });

  it('RDS mode, run twice: a member of rds_replication that logs in, reads every captured table, and has the publication', async () => {
    const user = `debezium_rds_${suffix}`;
    await ensureReplicationUser(master, spec(user, 'first-password-1', 'rds'));
    const before = await onTestServer((c) =>
      c.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [user]),
    );
    await ensureReplicationUser(master, spec(user, 'second-password-2', 'rds'));
    const after = await onTestServer((c) =>
      c.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [user]),
    );
    // The second run changed the password (a rotated or replaced secret).
    expect(before.rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    expect(after.rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    expect(after.rows[0]?.rolpassword).not.toBe(before.rows[0]?.rolpassword);

    await loginAs(source, user, 'second-password-2', async (c) => {
      const member = await c.query<{ member: boolean }>("SELECT pg_has_role(current_user, 'rds_replication', 'MEMBER') AS member");
      expect(member.rows[0]?.member).toBe(true);
      for (const table of CAPTURED_SHOP_TABLES) {
        const sql = `SELECT count(*)::int AS n FROM public.${table}`;
        const seen = await c.query<{ n: number }>(sql);
        const [all] = await master.query<{ n: number }>(sql);
        expect(seen.rows[0]?.n, table).toBe(all?.n);
      }
      // Not the owner: no writes.
      await expect(c.query('DELETE FROM public.orders')).rejects.toThrow(/permission denied/);
    });
    const published = await master.query<{ tablename: string }>(
      'SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename',
      [PUBLICATION],
    );
    expect(published.map((r) => r.tablename)).toEqual([...CAPTURED_SHOP_TABLES].sort());
  });

  it('a table created later by the master user is readable without another run (default privileges)', async () => {
    const user = `debezium_later_${suffix}`;
    await ensureReplicationUser(master, spec(user, 'later-password-1', 'rds'));
    await master.query('CREATE TABLE public.gift_cards (code text PRIMARY KEY, balance numeric NOT NULL)');
    await master.query("INSERT INTO public.gift_cards VALUES ('G-1', 25)");
    await loginAs(source, user, 'later-password-1', async (c) => {
      const rows = await c.query<{ code: string }>('SELECT code FROM public.gift_cards');
      expect(rows.rows.map((r) => r.code)).toEqual(['G-1']);
    });
  });

  it('attribute mode, run twice: REPLICATION, and a pgoutput slot on the publication streams a committed order', async () => {
    const user = `debezium_attr_${suffix}`;
    const slot = `shop_slot_${suffix}`;
    await ensureReplicationUser(master, spec(user, 'attribute-password-1', 'attribute'));
    await ensureReplicationUser(master, spec(user, 'attribute-password-1', 'attribute'));
    await loginAs(source, user, 'attribute-password-1', async (c) => {
      const attribute = await c.query<{ rolreplication: boolean }>('SELECT rolreplication FROM pg_roles WHERE rolname = current_user');
      expect(attribute.rows[0]?.rolreplication).toBe(true);
      await c.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
      try {
        // A change to a published table after the slot was made arrives through it.
        await master.query(
          `INSERT INTO public.customers (customer_id, email, country) VALUES ('c-replication-${suffix}', 'ada@example.com', 'GB')`,
        );
        // The tests' server commits asynchronously: decoding sees the change once its WAL is flushed.
        const peek = async () =>
          (
            await c.query<{ data: Buffer }>(
              "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
              [slot, PUBLICATION],
            )
          ).rows;
        await waitFor('the insert through the slot', async () => (await peek()).length > 0);
        const changes = await peek();
        // pgoutput messages: B(egin), R(elation), I(nsert), C(ommit).
        expect(changes.map((r) => String.fromCharCode(r.data[0] ?? 0))).toEqual(['B', 'R', 'I', 'C']);
        expect(changes[2]?.data.includes(Buffer.from(`c-replication-${suffix}`))).toBe(true);
      } finally {
        await c.query('SELECT pg_drop_replication_slot($1)', [slot]);
      }
    });
  });
});
