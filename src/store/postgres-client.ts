/** node-postgres adapter of the store port: any PostgreSQL, including Aurora with IAM auth. */
import { Signer } from '@aws-sdk/rds-signer';
import pg from 'pg';
import { ConfigError, optionalEnv, requireEnv } from '../config/env.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

export interface PostgresConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** A fixed password, or a function giving a fresh one per connection (IAM auth tokens). */
  password?: string | (() => Promise<string>);
  ssl?: boolean;
  maxConnections?: number;
}

export function createPostgresClient(config: PostgresConfig): SqlClient {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl: config.ssl ? { rejectUnauthorized: true } : undefined,
    max: config.maxConnections ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const asQueryable = (q: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<Row extends object>(text: string, params?: readonly unknown[]) {
      const result = await q.query(text, params as unknown[] | undefined);
      return result.rows as Row[];
    },
  });
  return {
    kind: 'postgres',
    ...asQueryable(pool),
    transaction: (fn) =>
      withCheckedOutClient(pool, async (client) => {
        await client.query('BEGIN');
        try {
          const result = await fn(asQueryable(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      }),
    readOnlyQuery: (text, timeoutMs) =>
      withCheckedOutClient(pool, async (client) => {
        try {
          await client.query('BEGIN READ ONLY');
          await client.query(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
          // queryMode is supported by node-postgres but missing from its types.
          const result = await client.query<Record<string, unknown>>({ text, queryMode: 'extended' } as pg.QueryConfig);
          return { columns: result.fields.map((f) => f.name), rows: result.rows };
        } finally {
          await client.query('ROLLBACK').catch(() => {});
        }
      }),
    async close() {
      await pool.end();
    },
  };
}

/**
 * Runs `work` on a client checked out of the pool. The pool listens for errors only on idle
 * clients: a checked-out one whose server goes away between two queries (a restart, a failover)
 * would emit an 'error' nobody hears and crash the process. It is heard here, and the broken
 * client is discarded on release instead of going back to the pool.
 */
async function withCheckedOutClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/**
 * The store a function uses on AWS or locally: DATABASE_URL when set; otherwise DB_HOST, DB_PORT,
 * DB_NAME, DB_USER with an IAM auth token (DB_IAM_AUTH=true) or DB_PASSWORD.
 */
export function postgresConfigFromEnv(env = process.env): PostgresConfig {
  const url = optionalEnv('DATABASE_URL', env);
  if (url) return { connectionString: url };
  const host = requireEnv('DB_HOST', env);
  const port = Number(optionalEnv('DB_PORT', env) ?? '5432');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ConfigError(`DB_PORT is not a port: ${env.DB_PORT}`);
  const user = requireEnv('DB_USER', env);
  const database = requireEnv('DB_NAME', env);
  if (optionalEnv('DB_IAM_AUTH', env) === 'true') {
    const signer = new Signer({ hostname: host, port, username: user, region: optionalEnv('AWS_REGION', env) });
    return { host, port, user, database, ssl: true, password: () => signer.getAuthToken() };
  }
  return { host, port, user, database, password: optionalEnv('DB_PASSWORD', env), ssl: optionalEnv('DB_SSL', env) === 'true' };
}
