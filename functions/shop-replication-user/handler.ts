/**
 * Custom resource handler (CDK provider framework, onEvent) for a new Aurora shop source: as the
 * master user it applies the shop schema (the migrations bundled next to this handler, see
 * infra/cdc/shop-replication-user.ts), then creates the connector's replication user with the
 * password of its own secret, its grants and the publication (replication-user.ts). Delete leaves
 * the database as it is.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { ConfigError, requireEnv } from '../../src/config/env.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import { BUNDLED_SHOP_MIGRATIONS_DIR, ensureReplicationUser, ReplicationUserError } from './replication-user.js';

const logger = new Logger({ serviceName: 'shop-replication-user' });
const secrets = new SecretsManagerClient({});

interface Credentials {
  username: string;
  password: string;
}

async function credentials(secretArn: string): Promise<Credentials> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const parsed: unknown = SecretString ? JSON.parse(SecretString) : undefined;
  const { username, password } = (parsed ?? {}) as Partial<Credentials>;
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new ConfigError(`secret ${secretArn} has no username and password`);
  }
  return { username, password };
}

function tablesProperty(value: unknown): string[] {
  const tables: unknown = typeof value === 'string' ? JSON.parse(value) : undefined;
  if (!Array.isArray(tables) || !tables.every((t) => typeof t === 'string')) {
    throw new ReplicationUserError('property Tables must be a JSON array of table names');
  }
  return tables;
}

export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  logger.info('replication user event', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const host = requireEnv('DB_HOST');
  const database = requireEnv('DB_NAME');
  const props = event.ResourceProperties as Record<string, unknown>;
  const master = await credentials(requireEnv('DB_SECRET_ARN'));
  const replication = await credentials(requireEnv('REPLICATION_SECRET_ARN'));
  const client = createPostgresClient({
    host,
    port: Number(requireEnv('DB_PORT')),
    database,
    user: master.username,
    password: master.password,
    ssl: true,
    maxConnections: 1,
  });
  try {
    const applied = await migrate(client, loadMigrations(join(dirname(fileURLToPath(import.meta.url)), BUNDLED_SHOP_MIGRATIONS_DIR)));
    await ensureReplicationUser(client, {
      database,
      schema: String(props.Schema),
      user: replication.username,
      password: replication.password,
      tables: tablesProperty(props.Tables),
      publication: String(props.Publication),
      replication: 'rds',
    });
    logger.info('replication user ready', { database, user: replication.username, applied });
    return {
      PhysicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : `replication-user@${host}/${database}`,
      Data: { User: replication.username },
    };
  } catch (error) {
    // Never logs the statements: one of them carries the password.
    logger.error('replication user failed', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    await client.close();
  }
}
