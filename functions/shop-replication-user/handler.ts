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
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { z } from 'zod';
import { requireEnv } from '../../src/config/env.js';
import { BUNDLED_SHOP_MIGRATIONS_DIR } from '../../src/shop/shop-database.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import { jsonProperty, parseProperties } from '../shared/resource-properties.js';
import { secretCredentials } from '../shared/secret-credentials.js';
import { ensureReplicationUser, ReplicationUserError } from './replication-user.js';

const logger = new Logger({ serviceName: 'shop-replication-user' });
const secrets = new SecretsManagerClient({});

const replicationProperties = z.object({
  Schema: z.string({ error: 'must be a string' }),
  Tables: jsonProperty(z.array(z.string(), { error: 'must be a JSON array of table names' }), 'a JSON array of table names'),
  Publication: z.string({ error: 'must be a string' }),
});

export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  logger.info('replication user event', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const host = requireEnv('DB_HOST');
  const database = requireEnv('DB_NAME');
  const props = parseProperties(replicationProperties, event.ResourceProperties, (message) => new ReplicationUserError(message));
  const master = await secretCredentials(secrets, requireEnv('DB_SECRET_ARN'));
  const replication = await secretCredentials(secrets, requireEnv('REPLICATION_SECRET_ARN'));
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
      schema: props.Schema,
      user: replication.username,
      password: replication.password,
      tables: props.Tables,
      publication: props.Publication,
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
