/**
 * Custom resource handler (CDK provider framework, onEvent) that applies the schema to Aurora as
 * the master user, whose credentials it reads from Secrets Manager. The migration files are
 * bundled next to this handler (see infra/store/schema-migrations.ts). Thin: the lifecycle is in
 * schema-resource.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { requireEnv } from '../../src/config/env.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import { secretCredentials } from '../shared/secret-credentials.js';
import { handleSchemaEvent } from './schema-resource.js';

const logger = new Logger({ serviceName: 'migrate' });
const secrets = new SecretsManagerClient({});
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  logger.info('schema resource event', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  const host = requireEnv('DB_HOST');
  const port = Number(requireEnv('DB_PORT'));
  const database = requireEnv('DB_NAME');
  const secretArn = requireEnv('DB_SECRET_ARN');
  const open = async () => {
    const { username, password } = await secretCredentials(secrets, secretArn);
    return createPostgresClient({ host, port, database, user: username, password, ssl: true, maxConnections: 1 });
  };
  try {
    return await handleSchemaEvent(
      event,
      { migrationsDir: MIGRATIONS_DIR, database, physicalResourceId: `schema@${host}/${database}` },
      open,
      logger,
    );
  } catch (error) {
    logger.error('schema resource failed', { error: error instanceof Error ? error : String(error) });
    throw error;
  }
}
