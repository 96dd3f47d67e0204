/**
 * Deploy-time schema migrations: a custom resource whose handler (functions/migrate) applies the
 * same migration files the local twin applies, then creates the IAM database users the functions
 * connect as and, if asked, seeds the sample reference data. A new or changed migration file changes the resource's properties, so the next
 * deploy runs it; a failure fails the deployment.
 */
import { createHash } from 'node:crypto';
import { CustomResource, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { DatabaseUser } from '../../src/store/database-user.js';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from '../../src/store/migrate.js';
import { customResourceProvider } from '../functions/custom-resource-provider.js';
import { type FunctionSettings, PipelineFunction } from '../functions/pipeline-function.js';
import type { AnalyticsDatabase } from './analytics-database.js';

export interface SchemaMigrationsProps {
  readonly database: AnalyticsDatabase;
  readonly settings: FunctionSettings;
  readonly users: readonly DatabaseUser[];
  /** Load the sample product catalogue, currency rates and IP ranges (idempotent upserts). */
  readonly seedReferenceData: boolean;
}

/** Folder, next to the bundled handler, the migration files are copied to. */
export const BUNDLED_MIGRATIONS_DIR = 'migrations';

/** Digest of the migration files: changes whenever one is added or edited. */
export function migrationsDigest(dir: string = DEFAULT_MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  for (const m of loadMigrations(dir)) hash.update(`${m.version}\0${m.name}\0${m.sql}\0`);
  return hash.digest('hex');
}

export class SchemaMigrations extends Construct {
  readonly function: PipelineFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    this.function = new PipelineFunction(this, 'Function', {
      name: 'migrate',
      description: 'Applies schema migrations and creates the IAM database users (custom resource)',
      settings: props.settings,
      memoryMb: 256,
      timeout: Duration.minutes(5),
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir, outputDir) => [`cp -R "${inputDir}/src/store/migrations" "${outputDir}/${BUNDLED_MIGRATIONS_DIR}"`],
      },
    }).bindStoreAdmin(props.database);

    const provider = customResourceProvider(this, 'Provider', this.function, props.settings.logRetention);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::TributarySchema',
      properties: {
        MigrationsDigest: migrationsDigest(),
        Users: JSON.stringify(props.users),
        SeedReferenceData: props.seedReferenceData ? 'true' : 'false',
      },
    });
    // Wait for the writer instance, not only the cluster resource.
    this.resource.node.addDependency(props.database.cluster);
  }
}
