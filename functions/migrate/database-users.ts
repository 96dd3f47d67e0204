/**
 * The IAM database users the functions connect as, created and granted idempotently by the
 * master user: LOGIN, rds_iam (password login off, IAM tokens on), and table privileges.
 */
import { z } from 'zod';
import type { DatabaseUser } from '../../src/store/database-user.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { arrayOf, jsonProperty, parseProperties } from '../shared/resource-properties.js';

export class DatabaseUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUserError';
  }
}

// Interpolated into SQL as quoted identifiers, so only plain lowercase names are accepted.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function identifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name)) throw new DatabaseUserError(`${kind} name must match ${IDENTIFIER}, got ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** The `Users` resource property: a JSON array of {name, access}. */
const usersProperty = jsonProperty(
  arrayOf(
    z.object({ name: z.string(), access: z.enum(['read-write', 'read-only']) }),
    'must have a name and access "read-write" or "read-only"',
  ),
  'a JSON string',
);

/** Reads the `Users` resource property, checking each name is a plain identifier. */
export function parseDatabaseUsers(value: unknown): DatabaseUser[] {
  const { Users } = parseProperties(z.object({ Users: usersProperty }), { Users: value }, (message) => new DatabaseUserError(message));
  for (const user of Users) identifier('user', user.name);
  return Users;
}

/** The statements that create one user (when missing) and grant it its access; safe to repeat. */
export function databaseUserStatements(database: string, user: DatabaseUser): string[] {
  const db = identifier('database', database);
  const role = identifier('user', user.name);
  const tablePrivileges = user.access === 'read-write' ? 'SELECT, INSERT, UPDATE, DELETE' : 'SELECT';
  const sequencePrivileges = user.access === 'read-write' ? 'USAGE, SELECT' : 'SELECT';
  return [
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user.name}') THEN CREATE ROLE ${role} LOGIN; END IF;
     END $$`,
    `ALTER ROLE ${role} LOGIN`,
    `GRANT rds_iam TO ${role}`,
    `GRANT CONNECT ON DATABASE ${db} TO ${role}`,
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `GRANT ${tablePrivileges} ON ALL TABLES IN SCHEMA public TO ${role}`,
    `GRANT ${sequencePrivileges} ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${tablePrivileges} ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${sequencePrivileges} ON SEQUENCES TO ${role}`,
    // The migration history is the migrator's alone.
    `REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ${role}`,
  ];
}

/** Creates and grants every user in one transaction. */
export async function ensureDatabaseUsers(
  client: { transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> },
  database: string,
  users: readonly DatabaseUser[],
): Promise<void> {
  const statements = users.flatMap((u) => databaseUserStatements(database, u));
  await client.transaction(async (tx) => {
    for (const sql of statements) await tx.query(sql);
  });
}
