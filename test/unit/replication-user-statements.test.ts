/** The SQL that makes the shop source's replication user: names checked, password quoted, every step idempotent. */
import { describe, expect, it } from 'vitest';
import { type ReplicationUser, replicationUserStatements } from '../../functions/shop-replication-user/replication-user.js';

const SPEC: ReplicationUser = {
  database: 'shop',
  schema: 'public',
  user: 'debezium',
  password: 'Pa55word-with.dots_and=signs',
  tables: ['orders', 'order_lines'],
  publication: 'storefront_shop_cdc_publication',
  replication: 'rds',
};

describe('replicationUserStatements', () => {
  it('creates the role only when missing, sets its password every time and grants what Debezium needs', () => {
    const sql = replicationUserStatements(SPEC);
    expect(sql[0]).toMatch(/IF NOT EXISTS \(SELECT 1 FROM pg_roles WHERE rolname = 'debezium'\) THEN CREATE ROLE "debezium" LOGIN/);
    expect(sql).toContain(`ALTER ROLE "debezium" WITH LOGIN PASSWORD 'Pa55word-with.dots_and=signs'`);
    expect(sql).toContain('GRANT rds_replication TO "debezium"');
    expect(sql).toContain('GRANT CONNECT ON DATABASE "shop" TO "debezium"');
    expect(sql).toContain('GRANT USAGE ON SCHEMA "public" TO "debezium"');
    expect(sql).toContain('GRANT SELECT ON TABLE "public"."orders", "public"."order_lines" TO "debezium"');
    expect(sql).toContain('ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT ON TABLES TO "debezium"');
    const publication = sql.find((s) => s.includes('CREATE PUBLICATION'));
    expect(publication).toMatch(
      /IF NOT EXISTS \(SELECT 1 FROM pg_publication WHERE pubname = 'storefront_shop_cdc_publication'\) THEN CREATE PUBLICATION "storefront_shop_cdc_publication" FOR TABLE "public"."orders", "public"."order_lines"/,
    );
    expect(sql.at(-1)).toBe('ALTER PUBLICATION "storefront_shop_cdc_publication" SET TABLE "public"."orders", "public"."order_lines"');
    // Never a plain CREATE ROLE or CREATE PUBLICATION, which would fail on the second run.
    expect(sql.filter((s) => /^\s*CREATE /.test(s))).toEqual([]);
  });

  it('uses the REPLICATION attribute on plain PostgreSQL', () => {
    const sql = replicationUserStatements({ ...SPEC, replication: 'attribute' });
    expect(sql).toContain('ALTER ROLE "debezium" WITH REPLICATION');
    expect(sql.join('\n')).not.toContain('rds_replication');
  });

  it('doubles quotes in the password and keeps it out of the DO blocks', () => {
    const sql = replicationUserStatements({ ...SPEC, password: "it's-a-'secret'" });
    expect(sql).toContain(`ALTER ROLE "debezium" WITH LOGIN PASSWORD 'it''s-a-''secret'''`);
    expect(sql.filter((s) => s.includes('secret'))).toHaveLength(1);
  });

  it('refuses names that are not plain identifiers, no tables, and short passwords', () => {
    expect(() => replicationUserStatements({ ...SPEC, user: 'debezium"; DROP TABLE orders; --' })).toThrow(/user name must match/);
    expect(() => replicationUserStatements({ ...SPEC, tables: ['orders', 'Order Lines'] })).toThrow(/table name must match/);
    expect(() => replicationUserStatements({ ...SPEC, publication: "p'" })).toThrow(/publication name/);
    expect(() => replicationUserStatements({ ...SPEC, tables: [] })).toThrow(/at least one captured table/);
    expect(() => replicationUserStatements({ ...SPEC, password: 'short' })).toThrow(/at least 8 characters/);
  });
});
