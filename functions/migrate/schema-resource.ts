/**
 * The schema custom resource's lifecycle, independent of Lambda: Create and Update apply the
 * migrations not yet applied, create the IAM database users, and optionally seed the sample
 * reference data; Delete leaves the database as it is. Every failure propagates, so the
 * deployment fails instead of carrying on with a half-made schema.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { z } from 'zod';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { flagProperty, parseProperties } from '../shared/resource-properties.js';
import { ensureDatabaseUsers, parseDatabaseUsers } from './database-users.js';

export interface SchemaTarget {
  readonly migrationsDir: string;
  readonly database: string;
  /** Identifies the resource: the same database keeps the same id. */
  readonly physicalResourceId: string;
}

export interface SchemaResult {
  readonly applied: number[];
  readonly users: string[];
  readonly seeded: boolean;
}

const seedProperty = z.object({ SeedReferenceData: flagProperty() });

/** Applies migrations, users and seed data with an open master connection. */
export async function applySchema(client: SqlClient, target: SchemaTarget, properties: Record<string, unknown>): Promise<SchemaResult> {
  const users = parseDatabaseUsers(properties.Users);
  const seed = parseProperties(seedProperty, properties, (message) => new Error(message)).SeedReferenceData;
  const applied = await migrate(client, loadMigrations(target.migrationsDir));
  await ensureDatabaseUsers(client, target.database, users);
  if (seed) await seedReferenceData(client);
  return { applied, users: users.map((u) => u.name), seeded: seed };
}

/** Handles one lifecycle event; `open` is only called when the database must be touched. */
export async function handleSchemaEvent(
  event: CdkCustomResourceEvent,
  target: SchemaTarget,
  open: () => Promise<SqlClient>,
  logger: Pick<Logger, 'info'>,
): Promise<CdkCustomResourceResponse> {
  if (event.RequestType === 'Delete') {
    logger.info('schema left in place on removal', { database: target.database });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const client = await open();
  try {
    const result = await applySchema(client, target, event.ResourceProperties as Record<string, unknown>);
    logger.info('schema applied', { database: target.database, ...result });
    return {
      PhysicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : target.physicalResourceId,
      Data: { Applied: result.applied.join(','), Users: result.users.join(',') },
    };
  } finally {
    await client.close();
  }
}
