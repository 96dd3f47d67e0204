/**
 * The shop source's replication user for Debezium, created and granted idempotently by the
 * master user: LOGIN with the password of its own secret, replication (RDS's rds_replication role,
 * or the REPLICATION attribute on plain PostgreSQL), read access to the captured tables, and the
 * publication of those tables. The master user owns the tables, so it creates the publication;
 * the connector runs with publication.autocreate.mode=disabled and only opens its slot.
 */
import type { SqlQueryable } from '../../src/store/sql-client.js';

export interface ReplicationUser {
  readonly database: string;
  readonly schema: string;
  readonly user: string;
  readonly password: string;
  /** The captured tables, in `schema`. */
  readonly tables: readonly string[];
  readonly publication: string;
  /** 'rds': GRANT rds_replication (RDS, Aurora); 'attribute': ALTER ROLE ... REPLICATION (needs a superuser). */
  readonly replication: 'rds' | 'attribute';
}

export class ReplicationUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicationUserError';
  }
}

// Interpolated as quoted identifiers, so only plain lowercase names are accepted.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function identifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name)) throw new ReplicationUserError(`${kind} name must match ${IDENTIFIER}, got ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** A string literal; ALTER ROLE takes no bind parameters. standard_conforming_strings is on since PostgreSQL 9.1. */
function literal(value: string): string {
  if (value.includes('\0')) throw new ReplicationUserError('the password must not contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/** The statements that create the user (when missing), set its password, grant it and publish the tables; safe to repeat. */
export function replicationUserStatements(spec: ReplicationUser): string[] {
  const db = identifier('database', spec.database);
  const schema = identifier('schema', spec.schema);
  const role = identifier('user', spec.user);
  const publication = identifier('publication', spec.publication);
  if (spec.tables.length === 0) throw new ReplicationUserError('at least one captured table is needed');
  if (spec.password.length < 8) throw new ReplicationUserError('the password must have at least 8 characters');
  const tables = spec.tables.map((t) => `${schema}.${identifier('table', t)}`).join(', ');
  return [
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${spec.user}') THEN CREATE ROLE ${role} LOGIN; END IF;
     END $$`,
    // Also on every update: the secret's password is the truth.
    `ALTER ROLE ${role} WITH LOGIN PASSWORD ${literal(spec.password)}`,
    spec.replication === 'rds' ? `GRANT rds_replication TO ${role}` : `ALTER ROLE ${role} WITH REPLICATION`,
    `GRANT CONNECT ON DATABASE ${db} TO ${role}`,
    `GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
    `GRANT SELECT ON TABLE ${tables} TO ${role}`,
    // Tables the master user creates later are readable too (Debezium snapshots what it is told to capture).
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${role}`,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${spec.publication}') THEN CREATE PUBLICATION ${publication} FOR TABLE ${tables}; END IF;
     END $$`,
    // An existing publication gets exactly the captured tables.
    `ALTER PUBLICATION ${publication} SET TABLE ${tables}`,
  ];
}

/** Runs the statements in one transaction. */
export async function ensureReplicationUser(
  client: { transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> },
  spec: ReplicationUser,
): Promise<void> {
  const statements = replicationUserStatements(spec);
  await client.transaction(async (tx) => {
    for (const sql of statements) await tx.query(sql);
  });
}
